"""The banner that offers the browser's time zone when it differs from the one saved, and its two
answers: "Use Europe/Berlin" and "Keep UTC"."""

import html
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from mentorcircle.accounts.models import User
from tests.helpers import page_text, toasts

PERSONAS = ("manager", "mentor", "mentee", "outsider", "other_manager")
# 17:00 UTC is 19:00 in Berlin (summer time has begun) and 02:00 next day in Tokyo.
NOW = datetime(2027, 3, 29, 17, 0, tzinfo=UTC)
BANNER = "Your browser is in Europe/Berlin; times here are in UTC. Use Europe/Berlin?"


def banner(response) -> str:
    """The banner's text as a person reads it ("" when there is none)."""
    found = re.search(r'<section class="zone-banner"[^>]*>(.*?)</section>', response.content.decode(), re.S)
    if not found:
        return ""
    text = html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))
    return " ".join(text.split())


@pytest.fixture
def traveller(personas) -> User:
    """The mentee, saved in UTC, now with a browser in Berlin."""
    User.objects.filter(pk=personas.mentee.pk).update(time_zone="UTC")
    personas.mentee.refresh_from_db()
    return personas.mentee


def signed_in(user: User, *, browser_zone: str = "Europe/Berlin", **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    if browser_zone:
        client.cookies["tz"] = browser_zone
    return client


# ---- When the banner shows ----------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_the_banner_offers_the_browsers_zone_when_it_differs_from_the_saved_one(traveller):
    response = signed_in(traveller).get(reverse("accounts:settings"))

    assert banner(response).startswith(BANNER)
    assert "Use Europe/Berlin" in banner(response)
    assert "Keep UTC" in banner(response)
    assert 'role="region" aria-label="Time zone"' in response.content.decode()
    # Times stay in the saved zone until the person answers.
    assert "Your time now: 17:00 (UTC)." in page_text(response)


@pytest.mark.parametrize(
    "page",
    [
        lambda _p: reverse("personal:sessions"),
        lambda _p: reverse("accounts:settings"),
        lambda _p: reverse("notifications:preferences"),
        lambda p: p.program.get_absolute_url(),
        lambda p: p.mentor.get_absolute_url(),
    ],
    ids=["sessions", "settings", "notifications", "program", "profile"],
)
def test_the_banner_shows_on_every_page(personas, traveller, page):
    response = signed_in(traveller).get(page(personas))

    assert response.status_code == 200
    assert banner(response).startswith(BANNER)


def test_managers_see_it_on_their_dashboard_too(personas):
    User.objects.filter(pk=personas.manager.pk).update(time_zone="UTC")
    personas.manager.refresh_from_db()

    response = signed_in(personas.manager).get(reverse("manage:settings", args=["alpha"]))

    assert banner(response).startswith(BANNER)


@pytest.mark.parametrize("browser_zone", ["", "UTC", "Mars/Olympus_Mons", "../../etc/passwd"])
def test_the_banner_shows_only_while_the_browser_reports_another_valid_zone(traveller, browser_zone):
    client = signed_in(traveller, browser_zone=browser_zone)

    response = client.get(reverse("accounts:settings"))
    assert response.status_code == 200
    assert "zone-banner" not in response.content.decode()

    client.cookies["tz"] = "Europe/Berlin"
    assert banner(client.get(reverse("accounts:settings"))).startswith(BANNER)


def test_a_newcomers_first_zone_is_taken_without_asking_and_a_later_one_is_offered(traveller):
    User.objects.filter(pk=traveller.pk).update(time_zone="")
    traveller.refresh_from_db()
    client = signed_in(traveller)

    assert "zone-banner" not in client.get(reverse("accounts:settings")).content.decode()
    traveller.refresh_from_db()
    assert traveller.time_zone == "Europe/Berlin"

    client.cookies["tz"] = "Asia/Tokyo"
    assert banner(client.get(reverse("accounts:settings"))).startswith(
        "Your browser is in Asia/Tokyo; times here are in Europe/Berlin. Use Asia/Tokyo?"
    )


def test_the_banner_is_for_signed_in_people_only(traveller):
    client = Client()
    client.cookies["tz"] = "Europe/Berlin"

    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert "zone-banner" not in response.content.decode()

    client.force_login(traveller)
    assert banner(client.get(reverse("accounts:settings"))).startswith(BANNER)


# ---- "Use Europe/Berlin" ------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_use_saves_the_browsers_zone_and_the_page_comes_back_in_it_without_the_banner(traveller):
    client = signed_in(traveller)
    settings_page = reverse("accounts:settings")

    response = client.post(
        reverse("accounts:timezone_use"), {"zone": "Europe/Berlin", "next": settings_page}, follow=True
    )

    assert response.redirect_chain == [(settings_page, 302)]
    assert toasts(response) == ["Times are now shown in Europe/Berlin."]
    assert "Your time now: 19:00 (Europe/Berlin)." in page_text(response)
    assert banner(response) == ""
    traveller.refresh_from_db()
    assert traveller.time_zone == "Europe/Berlin"


# ---- "Keep UTC" ---------------------------------------------------------------------------------


@time_machine.travel(NOW, tick=False)
def test_keep_remembers_the_answer_so_the_banner_does_not_come_back_for_that_zone(traveller):
    client = signed_in(traveller)

    response = client.post(
        reverse("accounts:timezone_keep"),
        {"zone": "Europe/Berlin", "next": reverse("accounts:settings")},
        follow=True,
    )

    assert toasts(response) == ["Times stay in UTC."]
    assert banner(response) == ""
    assert "Your time now: 17:00 (UTC)." in page_text(response)
    assert banner(client.get(reverse("personal:sessions"))) == ""
    traveller.refresh_from_db()
    assert (traveller.time_zone, traveller.time_zone_declined) == ("UTC", "Europe/Berlin")


def test_after_keep_a_browser_in_yet_another_zone_is_asked_again(traveller):
    client = signed_in(traveller)
    client.post(reverse("accounts:timezone_keep"), {"zone": "Europe/Berlin"})

    client.cookies["tz"] = "Asia/Tokyo"
    response = client.get(reverse("accounts:settings"))

    assert banner(response).startswith(
        "Your browser is in Asia/Tokyo; times here are in UTC. Use Asia/Tokyo?"
    )


# ---- Bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["accounts:timezone_use", "accounts:timezone_keep"])
@pytest.mark.parametrize(
    "zone", ["", "Mars/Olympus_Mons", "US/Eastern", "Europe/Berlin\r\nSet-Cookie: x=y", "A" * 5000]
)
def test_an_unknown_zone_changes_nothing_and_says_so(traveller, endpoint, zone):
    client = signed_in(traveller)

    response = client.post(
        reverse(endpoint), {"zone": zone, "next": reverse("accounts:settings")}, follow=True
    )

    assert response.status_code == 200
    assert toasts(response) == ["That is not a time zone we know, so nothing was changed."]
    traveller.refresh_from_db()
    assert (traveller.time_zone, traveller.time_zone_declined) == ("UTC", "")
    assert banner(response).startswith(BANNER)  # still asking


def test_a_missing_zone_field_changes_nothing(traveller):
    response = signed_in(traveller).post(reverse("accounts:timezone_use"), follow=True)

    assert toasts(response) == ["That is not a time zone we know, so nothing was changed."]
    traveller.refresh_from_db()
    assert traveller.time_zone == "UTC"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "", "/\\evil.example"],
)
def test_the_answer_goes_back_only_to_a_page_of_this_site(traveller, target):
    response = signed_in(traveller).post(
        reverse("accounts:timezone_use"), {"zone": "Europe/Berlin", "next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_answers_need_the_forms_csrf_token(traveller):
    client = signed_in(traveller, enforce_csrf_checks=True)

    for endpoint in ("accounts:timezone_use", "accounts:timezone_keep"):
        assert client.post(reverse(endpoint), {"zone": "Europe/Berlin"}).status_code == 403
    traveller.refresh_from_db()
    assert (traveller.time_zone, traveller.time_zone_declined) == ("UTC", "")


@time_machine.travel(NOW, tick=False)
def test_the_banners_buttons_carry_the_csrf_token_and_work(traveller):
    client = signed_in(traveller, enforce_csrf_checks=True)
    page = client.get(reverse("accounts:settings")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = client.post(
        reverse("accounts:timezone_use"), {"zone": "Europe/Berlin", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    traveller.refresh_from_db()
    assert traveller.time_zone == "Europe/Berlin"


# ---- Who may answer -----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["accounts:timezone_use", "accounts:timezone_keep"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_person_answers_for_themselves_only(personas, persona, endpoint):
    User.objects.update(time_zone="UTC", time_zone_declined="")
    me = getattr(personas, persona)
    client = signed_in(me)

    assert client.get(reverse(endpoint)).status_code == 405  # a link opened changes nothing
    response = client.post(reverse(endpoint), {"zone": "Europe/Berlin"})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")  # no page to go back to was given
    zones = dict(User.objects.values_list("pk", "time_zone"))
    declined = dict(User.objects.values_list("pk", "time_zone_declined"))
    if endpoint == "accounts:timezone_use":
        assert zones.pop(me.pk) == "Europe/Berlin"
    else:
        assert declined.pop(me.pk) == "Europe/Berlin"
    assert set(zones.values()) == {"UTC"}
    assert set(declined.values()) <= {""}


@pytest.mark.parametrize("endpoint", ["accounts:timezone_use", "accounts:timezone_keep"])
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.usefixtures("personas")
def test_signed_out_visitors_are_sent_to_sign_in_and_nothing_changes(endpoint, method):
    path = reverse(endpoint)
    before = list(User.objects.values_list("pk", "time_zone", "time_zone_declined"))

    response = getattr(Client(), method)(path, {"zone": "Europe/Berlin"} if method == "post" else None)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={path}"
    assert list(User.objects.values_list("pk", "time_zone", "time_zone_declined")) == before
