"""Start times at the edges of the calendar give a clear message, never a 500."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorcircle.core.templatetags.when import format_when, when, when_day
from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession
from tests.groupsessions.conftest import NOW, create_session
from tests.helpers import field_errors


def post_start(client, personas, start: str, zone: str):
    client.force_login(personas.manager)
    return client.post(
        reverse("manage:session_create", args=["alpha"]),
        {
            "program": personas.program.pk,
            "title": "Edge",
            "description": "At the edge of the calendar.",
            "starts_at": start,
            "time_zone": zone,
            "duration_hours": "1",
            "duration_minutes": "0",
        },
    )


@pytest.mark.parametrize("zone", ["America/New_York", "Pacific/Kiritimati", "UTC"])
@pytest.mark.parametrize(
    "start", ["9999-12-31T23:00", "9999-12-31T23:59", "0001-01-01T00:30", "2099-06-01T10:00"]
)
def test_a_start_at_the_edge_of_the_calendar_is_refused_next_to_the_field(client, personas, zone, start):
    response = post_start(client, personas, start, zone)

    assert response.status_code == 200
    assert field_errors(response, "starts_at") in (
        ["Choose a start time within the next 5 years."],
        ["Choose a start time in the future."],
    )
    assert not GroupSession.objects.exists()


def test_five_years_ahead_is_the_limit(personas):
    create_session(personas.program, personas.mentor, starts_at=NOW + timedelta(days=5 * 365 - 1))

    with pytest.raises(services.SessionError, match="within the next 5 years"):
        create_session(personas.program, personas.mentor, starts_at=NOW + timedelta(days=5 * 365 + 1))


def test_the_services_refuse_an_instant_that_cannot_be_converted(personas):
    with pytest.raises(services.SessionError, match="within the next 5 years"):
        create_session(
            personas.program,
            personas.mentor,
            starts_at=datetime.max.replace(tzinfo=timezone.get_fixed_timezone(-300)),
        )


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        # Ahead of UTC the local time would fall in the year 10000: it is shown in UTC instead.
        ("Pacific/Kiritimati", "Fri 31 Dec 9999, 23:00 (UTC)"),
        ("Asia/Tokyo", "Fri 31 Dec 9999, 23:00 (UTC)"),
        ("America/New_York", "Fri 31 Dec 9999, 18:00 (America/New_York)"),
    ],
)
def test_times_at_the_end_of_the_calendar_still_render_in_any_zone(zone, expected):
    instant = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)

    with timezone.override(zone):
        shown = format_when(instant)
        tag = when(instant)
        day = when_day(instant)

    assert shown == expected
    assert tag == f'<time datetime="9999-12-31T23:00:00Z">{expected}</time>'
    assert day == "31"


def test_an_existing_session_at_the_end_of_the_calendar_shows_without_error(client, personas):
    from tests.factories import GroupSessionFactory

    session = GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        starts_at=datetime(9999, 12, 31, 22, 0, tzinfo=UTC),
        duration=timedelta(minutes=30),
    )
    personas.mentee.time_zone = "Pacific/Kiritimati"
    personas.mentee.save()
    client.force_login(personas.mentee)

    assert client.get(session.get_absolute_url()).status_code == 200
    assert client.get(reverse("groupsessions:program", args=["alpha"])).status_code == 200
    assert client.get(reverse("personal:sessions")).status_code == 200
