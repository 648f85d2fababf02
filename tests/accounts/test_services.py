import pytest

from mentorcircle.accounts.models import User
from mentorcircle.accounts.services import (
    TimezoneError,
    user_detect_timezone,
    user_keep_timezone,
    user_update_profile,
    user_use_timezone,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("db")


def test_detect_timezone_stores_a_valid_zone_on_a_person_without_one():
    person = UserFactory(time_zone="")

    user_detect_timezone(user=person, zone="Africa/Lagos")

    assert person.time_zone == "Africa/Lagos"
    assert User.objects.get(pk=person.pk).time_zone == "Africa/Lagos"


def test_detect_timezone_does_not_overwrite_a_zone_chosen_meanwhile_in_another_tab():
    person = UserFactory(time_zone="")
    User.objects.filter(pk=person.pk).update(time_zone="Asia/Kolkata")  # saved elsewhere; `person` is stale

    user_detect_timezone(user=person, zone="Africa/Lagos")

    assert User.objects.get(pk=person.pk).time_zone == "Asia/Kolkata"


def test_detect_timezone_ignores_an_invalid_zone():
    person = UserFactory(time_zone="")

    user_detect_timezone(user=person, zone="Nowhere/Special")

    assert person.time_zone == ""
    assert User.objects.get(pk=person.pk).time_zone == ""


def test_update_profile_trims_text_and_saves_the_zone():
    person = UserFactory(full_name="Old Name", time_zone="UTC")

    user_update_profile(
        user=person, full_name=" New Name ", headline=" Hi ", bio=" Bio \n", time_zone="Asia/Tokyo"
    )

    saved = User.objects.get(pk=person.pk)
    assert (saved.full_name, saved.headline, saved.bio, saved.time_zone) == (
        "New Name",
        "Hi",
        "Bio",
        "Asia/Tokyo",
    )


# ---- The time zone banner's answers -------------------------------------------------------------


def test_use_timezone_saves_the_zone_and_forgets_an_earlier_keep():
    person = UserFactory(time_zone="UTC", time_zone_declined="Asia/Tokyo")

    user_use_timezone(user=person, zone="Europe/Berlin")

    saved = User.objects.get(pk=person.pk)
    assert (saved.time_zone, saved.time_zone_declined) == ("Europe/Berlin", "")


def test_keep_timezone_keeps_the_zone_and_remembers_the_one_turned_down():
    person = UserFactory(time_zone="UTC")

    user_keep_timezone(user=person, declined="Europe/Berlin")

    saved = User.objects.get(pk=person.pk)
    assert (saved.time_zone, saved.time_zone_declined) == ("UTC", "Europe/Berlin")


@pytest.mark.parametrize(
    "zone", ["", "Mars/Olympus_Mons", "US/Eastern", "europe/berlin", "Europe/Berlin\r\nX: y", "A" * 200]
)
def test_an_unknown_zone_is_refused_and_changes_nothing(zone):
    person = UserFactory(time_zone="UTC", time_zone_declined="Asia/Tokyo")

    with pytest.raises(TimezoneError):
        user_use_timezone(user=person, zone=zone)
    with pytest.raises(TimezoneError):
        user_keep_timezone(user=person, declined=zone)

    saved = User.objects.get(pk=person.pk)
    assert (saved.time_zone, saved.time_zone_declined) == ("UTC", "Asia/Tokyo")
