"""Which zone a person is shown times in where their browser cannot say, and when the banner
offers the browser's zone."""

from datetime import UTC, datetime

import pytest

from mentorcircle.accounts.timezones import zone_for, zone_to_offer
from tests.factories import UserFactory

SIGNED_IN = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("time_zone", "last_login", "expected"),
    [
        ("America/New_York", None, "America/New_York"),  # their own zone, always
        ("America/New_York", SIGNED_IN, "America/New_York"),
        ("", None, "Asia/Tokyo"),  # never signed in, no zone yet: the program's
        ("", SIGNED_IN, "UTC"),  # signed in without a browser telling us: as their pages show
    ],
)
@pytest.mark.usefixtures("db")
def test_a_person_sees_their_zone_else_the_programs_until_they_sign_in(time_zone, last_login, expected):
    person = UserFactory.build(time_zone=time_zone, last_login=last_login)

    assert zone_for(user=person, program_zone="Asia/Tokyo") == expected


@pytest.mark.usefixtures("db")
def test_a_bad_program_zone_falls_back_to_utc():
    person = UserFactory.build(time_zone="", last_login=None)

    assert zone_for(user=person, program_zone="Mars/Olympus_Mons") == "UTC"


@pytest.mark.parametrize(
    ("saved", "declined", "browser", "offered"),
    [
        ("UTC", "", "Europe/Berlin", "Europe/Berlin"),
        ("UTC", "Europe/Berlin", "Europe/Berlin", ""),  # answered "Keep UTC" already
        ("UTC", "Europe/Berlin", "Asia/Tokyo", "Asia/Tokyo"),  # yet another zone: asked again
        ("Europe/Berlin", "", "Europe/Berlin", ""),
        ("", "", "Europe/Berlin", ""),  # no zone yet: the browser's is simply taken
        ("UTC", "", "", ""),
        ("UTC", "", "Mars/Olympus_Mons", ""),
    ],
)
def test_the_browser_zone_is_offered_only_when_it_differs_and_was_not_turned_down(
    saved, declined, browser, offered
):
    assert zone_to_offer(saved=saved, declined=declined, browser=browser) == offered
