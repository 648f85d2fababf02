"""The `tz` cookie the browser sets is stored on a person who has no zone yet, and only then."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from mentorcircle.accounts.models import User
from tests.factories import UserFactory
from tests.helpers import page_text

# 17:00 UTC the day after Europe moved its clocks forward: 19:00 in Paris, 02:00 next day in Tokyo.
NOW = datetime(2027, 3, 29, 17, 0, tzinfo=UTC)


@pytest.fixture
def newcomer(db) -> User:  # noqa: ARG001 (requested for its effect: database access)
    return UserFactory(full_name="Nia Newcomer", time_zone="")


@time_machine.travel(NOW, tick=False)
def test_browser_zone_is_stored_on_a_person_without_one_and_used_at_once(client, newcomer):
    client.force_login(newcomer)
    client.cookies["tz"] = "Europe/Paris"

    response = client.get(reverse("accounts:settings"))

    newcomer.refresh_from_db()
    assert newcomer.time_zone == "Europe/Paris"
    assert "Your time now: 19:00 (Europe/Paris)." in page_text(response)
    assert 'data-timezone-known="true"' in response.content.decode()


@time_machine.travel(NOW, tick=False)
@pytest.mark.usefixtures("db")
def test_browser_zone_never_overwrites_a_chosen_zone(client):
    traveller = UserFactory(time_zone="Asia/Tokyo")
    client.force_login(traveller)
    client.cookies["tz"] = "Europe/Paris"

    response = client.get(reverse("accounts:settings"))

    traveller.refresh_from_db()
    assert traveller.time_zone == "Asia/Tokyo"
    assert "Your time now: 02:00 (Asia/Tokyo)." in page_text(response)


@pytest.mark.parametrize("cookie", ["Mars/Olympus_Mons", "US/Eastern", "../../etc/passwd", "europe/paris"])
def test_an_invalid_browser_zone_is_ignored(client, newcomer, cookie):
    client.force_login(newcomer)
    client.cookies["tz"] = cookie

    response = client.get(reverse("accounts:settings"))

    newcomer.refresh_from_db()
    assert newcomer.time_zone == ""
    assert "(UTC)." in page_text(response)
    # The page's script is told the zone is still unknown, so it sends a good one.
    assert 'data-timezone-known="false"' in response.content.decode()


def test_without_any_zone_times_are_shown_in_utc_and_the_page_asks_the_browser(client, newcomer):
    client.force_login(newcomer)

    response = client.get(reverse("accounts:settings"))

    assert "(UTC)." in page_text(response)
    assert 'data-timezone-known="false"' in response.content.decode()


@pytest.mark.usefixtures("db")
def test_signed_out_visitor_sees_the_browser_zone_and_nothing_is_stored(client):
    client.cookies["tz"] = "America/New_York"

    response = client.get(reverse("account_login"))

    assert response.status_code == 200
    assert 'data-timezone-known="true"' in response.content.decode()
    assert not User.objects.filter(time_zone="America/New_York").exists()
