"""Crafted ids, numbers and NUL bytes in paths, queries and forms: 404 or 400, never a 500."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mentorcircle.groupsessions.models import Participant
from tests.groupsessions.conftest import create_session
from tests.helpers import toasts

HUGE = "9" * 40
CRAFTED_IDS = [HUGE, "99999999999999999999", "²", "٣", "-1", "0x10", "1.5", "%00", "1%00"]
SESSION_PAGES = [
    "",
    "join/",
    "leave/",
    "edit/",
    "cancel/",
    "decline/",
    "invite/",
    "attendance/",
    "resources/",
    "feedback/",
]


@pytest.fixture
def member_client(personas) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(personas.manager)
    return client


@pytest.mark.parametrize("crafted", CRAFTED_IDS)
@pytest.mark.parametrize("page", SESSION_PAGES)
def test_a_crafted_session_id_is_not_found(member_client, crafted, page):
    for method in (member_client.get, member_client.post):
        response = method(f"/sessions/{crafted}/{page}")
        assert response.status_code in (400, 404, 405), (crafted, page, response.status_code)


@pytest.mark.parametrize("crafted", CRAFTED_IDS)
def test_a_crafted_profile_id_is_not_found(member_client, crafted):
    assert member_client.get(f"/people/{crafted}/").status_code in (400, 404)


@pytest.mark.parametrize("crafted", [*CRAFTED_IDS, "", "x"])
@pytest.mark.parametrize(
    "query",
    [
        "/sessions/suggest/?program={}&q=a",
        "/manage/alpha/members/?cohort={}",
        "/manage/alpha/members/?tag={}",
        "/manage/alpha/members/?role={}",
        "/manage/alpha/members/?page={}",
        "/me/sessions/?page={}",
        "/manage/alpha/sessions/?page={}&tab=past",
        "/programs/alpha/?page={}",
    ],
)
def test_crafted_numbers_in_a_query_are_handled(member_client, crafted, query):
    response = member_client.get(query.format(crafted))

    assert response.status_code in (200, 400, 404), response.status_code


@pytest.mark.parametrize(
    "path",
    [
        "/me/sessions/?q=a%00b",
        "/manage/alpha/members/?q=%00",
        "/sessions%00/1/",
        "/join/abc%00/",
        "/rsvp/%00/",
    ],
)
def test_a_nul_byte_in_a_path_or_query_is_a_bad_request(member_client, path):
    assert member_client.get(path).status_code in (400, 404)


def test_a_nul_byte_in_a_form_is_a_bad_request_and_changes_nothing(member_client, personas):
    session = create_session(personas.program, personas.manager)

    response = member_client.post(
        reverse("groupsessions:cancel", args=[session.pk]), {"reason": "because\x00"}
    )

    assert response.status_code == 400
    session.refresh_from_db()
    assert not session.is_cancelled


@pytest.mark.parametrize("crafted", [HUGE, "²", "-1"])
def test_crafted_invitee_ids_are_refused_next_to_the_field(member_client, personas, crafted):
    session = create_session(personas.program, personas.manager)

    response = member_client.post(
        reverse("groupsessions:invite", args=[session.pk]),
        {"program": personas.program.pk, "invitees": [crafted]},
        follow=True,
    )

    # Back to the session page, with the form's messages; nobody is invited.
    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    refusal = toasts(response)
    assert refusal[0].endswith("is not a valid value.")
    assert "%(" not in refusal[0]  # the message is filled in, not shown as a template
    assert "Pick at least one person, cohort or tag to invite." in refusal
    assert list(session.participants.values_list("status", flat=True)) == [Participant.Status.HOST]


@pytest.mark.parametrize("crafted", [HUGE, "²", "-1", "x"])
def test_crafted_attendance_ids_are_ignored(member_client, personas, crafted):
    now = timezone.now()
    session = create_session(  # ended yesterday, so its attendance can be corrected
        personas.program, personas.manager, now=now - timedelta(days=10), starts_at=now - timedelta(days=2)
    )
    seat = Participant.objects.create(
        session=session, user=personas.mentee, status=Participant.Status.REGISTERED, attended=True
    )

    response = member_client.post(
        reverse("groupsessions:attendance", args=[session.pk]), {"attended": [crafted, seat.pk]}, follow=True
    )

    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    assert toasts(response) == ["Attendance unchanged."]
    attended = dict(session.participants.values_list("user__full_name", "attended"))
    assert attended == {"Maria Manager": False, "Mina Mentee": True}
