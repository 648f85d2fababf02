"""Times are shown in the viewer's zone, always naming it, and follow daylight-saving changes."""

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.template import engines
from django.utils import timezone


def render(source: str, zone: str, **context) -> str:
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        return engines["django"].from_string(source).render(context)


@pytest.mark.parametrize(
    ("zone", "instant", "shown"),
    [
        # Paris moves its clocks forward on Sunday 28 March 2027: the same 17:00 UTC reads an hour later.
        ("Europe/Paris", datetime(2027, 3, 27, 17, 0, tzinfo=UTC), "Sat 27 Mar 2027, 18:00 (Europe/Paris)"),
        ("Europe/Paris", datetime(2027, 3, 29, 17, 0, tzinfo=UTC), "Mon 29 Mar 2027, 19:00 (Europe/Paris)"),
        # New York moves forward on 14 March 2027 and back on 7 November 2027.
        (
            "America/New_York",
            datetime(2027, 3, 13, 17, 0, tzinfo=UTC),
            "Sat 13 Mar 2027, 12:00 (America/New_York)",
        ),
        (
            "America/New_York",
            datetime(2027, 3, 15, 17, 0, tzinfo=UTC),
            "Mon 15 Mar 2027, 13:00 (America/New_York)",
        ),
        (
            "America/New_York",
            datetime(2027, 11, 8, 17, 0, tzinfo=UTC),
            "Mon 8 Nov 2027, 12:00 (America/New_York)",
        ),
        ("UTC", datetime(2027, 3, 29, 17, 0, tzinfo=UTC), "Mon 29 Mar 2027, 17:00 (UTC)"),
    ],
)
def test_when_shows_the_viewers_local_time_and_names_the_zone(zone, instant, shown):
    html = render("{{ start|when }}", zone, start=instant)

    assert html == f'<time datetime="{instant.strftime("%Y-%m-%dT%H:%M:%SZ")}">{shown}</time>'


def test_when_keeps_the_utc_instant_for_machines_whatever_the_viewers_zone():
    start = datetime(2027, 3, 29, 17, 0, tzinfo=UTC)

    for zone in ("Europe/Paris", "Asia/Tokyo", "America/Los_Angeles"):
        assert 'datetime="2027-03-29T17:00:00Z"' in render("{{ start|when }}", zone, start=start)


def test_when_shows_the_local_date_when_it_differs_from_the_utc_date():
    late_evening_utc = datetime(2027, 6, 1, 23, 30, tzinfo=UTC)

    assert "Wed 2 Jun 2027, 08:30 (Asia/Tokyo)" in render(
        "{{ start|when }}", "Asia/Tokyo", start=late_evening_utc
    )
    assert render("{{ start|when_date }}", "Asia/Tokyo", start=late_evening_utc) == "2 Jun 2027"
    assert render("{{ start|when_date }}", "America/Chicago", start=late_evening_utc) == "1 Jun 2027"


def test_when_renders_nothing_for_a_missing_time():
    assert render("[{{ start|when }}][{{ start|when_date }}]", "Europe/Paris", start=None) == "[][]"


def test_current_zone_tag_names_the_viewers_zone():
    assert render("{% current_zone %}", "Australia/Sydney") == "Australia/Sydney"
