from mentorcircle.accounts.models import User
from mentorcircle.accounts.services import user_detect_timezone, user_update_profile
from tests.factories import UserFactory


def test_detect_timezone_stores_a_valid_zone_on_a_person_without_one(db):
    person = UserFactory(time_zone="")

    user_detect_timezone(user=person, zone="Africa/Lagos")

    assert person.time_zone == "Africa/Lagos"
    assert User.objects.get(pk=person.pk).time_zone == "Africa/Lagos"


def test_detect_timezone_does_not_overwrite_a_zone_chosen_meanwhile_in_another_tab(db):
    person = UserFactory(time_zone="")
    User.objects.filter(pk=person.pk).update(time_zone="Asia/Kolkata")  # saved elsewhere; `person` is stale

    user_detect_timezone(user=person, zone="Africa/Lagos")

    assert User.objects.get(pk=person.pk).time_zone == "Asia/Kolkata"


def test_detect_timezone_ignores_an_invalid_zone(db):
    person = UserFactory(time_zone="")

    user_detect_timezone(user=person, zone="Nowhere/Special")

    assert person.time_zone == ""
    assert User.objects.get(pk=person.pk).time_zone == ""


def test_update_profile_trims_text_and_saves_the_zone(db):
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
