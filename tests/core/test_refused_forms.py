"""A refused form, on every page that has one: a summary at the top of the form ("There is a
problem", each message linking to its field), and each field marked invalid and described by its
message, as forms/field.html draws it."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorcircle.groupsessions.models import Participant
from tests.factories import GroupSessionFactory, ParticipantFactory
from tests.helpers import error_summary, field_errors

FUTURE = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT10:00")
REQUIRED = "This field is required."


def session_data(personas, **changes) -> dict:
    data = {
        "program": personas.program.pk,
        "title": "Negotiating your first salary",
        "description": "We practise real offers.",
        "starts_at": FUTURE,
        "time_zone": "Europe/Paris",
        "duration_hours": "1",
        "duration_minutes": "0",
    }
    return {**data, **changes}


@dataclass
class Refusal:
    persona: str
    url: object  # (personas, session) -> str
    data: object  # (personas, session) -> dict
    summary: tuple[str, str]  # the summary's line and the id it links to
    field: str  # the field marked invalid


REFUSALS = {
    "create session (manager)": Refusal(
        "manager",
        lambda _p, _s: reverse("manage:session_create", args=["alpha"]),
        lambda p, _s: session_data(p, title=""),
        (f"Title: {REQUIRED}", "id_title"),
        "title",
    ),
    "create a session (mentor)": Refusal(
        "mentor",
        lambda _p, _s: reverse("personal:session_create"),
        lambda p, _s: session_data(p, description=""),
        (f"Describe the objective of your masterclass: {REQUIRED}", "id_description"),
        "description",
    ),
    "edit session": Refusal(
        "mentor",
        lambda _p, s: reverse("groupsessions:edit", args=[s.pk]),
        lambda p, _s: session_data(p, duration_minutes="75"),
        ("Minutes: Enter the minutes (0 to 59); add an hour for 60 or more.", "id_duration_minutes"),
        "duration_minutes",
    ),
    "cancel session": Refusal(
        "mentor",
        lambda _p, s: reverse("groupsessions:cancel", args=[s.pk]),
        lambda _p, _s: {"reason": ""},
        (f"Reason: {REQUIRED}", "id_reason"),
        "reason",
    ),
    "recording and notes": Refusal(
        "mentor",
        lambda _p, s: reverse("groupsessions:resources", args=[s.pk]),
        lambda _p, _s: {"recording_url": "", "resources_note": "x" * 2001},
        (
            "Notes and resources: Ensure this value has at most 2000 characters (it has 2001).",
            "id_resources_note",
        ),
        "resources_note",
    ),
    "program settings": Refusal(
        "manager",
        lambda _p, _s: reverse("manage:settings", args=["alpha"]),
        lambda _p, _s: {
            "default_min_participants": "5",
            "default_max_participants": "4",
            "decision_hours_before": "24",
            "join_minutes_before": "10",
            "video_service": "jitsi",
        },
        ("Minimum participants: The minimum cannot be more than the maximum.", "id_default_min_participants"),
        "default_min_participants",
    ),
    "program settings, a choice": Refusal(
        "manager",
        lambda _p, _s: reverse("manage:settings", args=["alpha"]),
        lambda _p, _s: {
            "default_min_participants": "1",
            "default_max_participants": "40",
            "decision_hours_before": "24",
            "join_minutes_before": "10",
        },
        (f"Video service: {REQUIRED}", "id_video_service_0"),
        "video_service",
    ),
    "add member": Refusal(
        "manager",
        lambda _p, _s: reverse("manage:member_add", args=["alpha"]),
        lambda _p, _s: {"email": "not an address", "full_name": "Pat Doe", "role": "mentee"},
        ("Email: Enter a valid email address.", "id_email"),
        "email",
    ),
    "import members": Refusal(
        "manager",
        lambda _p, _s: reverse("manage:members_import", args=["alpha"]),
        lambda _p, _s: {"file": ""},  # what a browser sends when no file was chosen
        (f"CSV file: {REQUIRED}", "id_file"),
        "file",
    ),
    "profile settings": Refusal(
        "mentee",
        lambda _p, _s: reverse("accounts:settings"),
        lambda _p, _s: {"full_name": "", "headline": "", "bio": "", "time_zone": "Europe/London"},
        (f"Full name: {REQUIRED}", "id_full_name"),
        "full_name",
    ),
    "change password": Refusal(
        "mentee",
        lambda _p, _s: reverse("account_change_password"),
        lambda _p, _s: {
            "oldpassword": "wrong",
            "password1": "N3w-passw0rd-long",
            "password2": "N3w-passw0rd-long",
        },
        ("Current password: Please type your current password.", "id_oldpassword"),
        "oldpassword",
    ),
}


def the_form(content: str, field: str) -> str:
    """The <form> that holds `field`."""
    forms = re.findall(r"<form\b.*?</form>", content, re.S)
    return next(form for form in forms if f'name="{field}"' in form)


def control(form: str, field: str) -> str:
    """The opening tag of the field's input, select or textarea (its first one, for a group)."""
    return re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{field}"[^>]*>', form).group(0)


@pytest.fixture
def session(personas):
    return GroupSessionFactory(program=personas.program, host=personas.mentor)


@pytest.mark.parametrize("name", REFUSALS)
def test_a_refused_form_opens_with_a_summary_linking_to_each_field(client, personas, session, name):
    refusal = REFUSALS[name]
    client.force_login(getattr(personas, refusal.persona))

    response = client.post(refusal.url(personas, session), refusal.data(personas, session))

    assert response.status_code == 200
    assert refusal.summary in error_summary(response)
    form = the_form(response.content.decode(), refusal.field)
    # The summary opens the form, takes the keyboard focus (tabindex="-1") and is named.
    after_token = re.sub(r'^<form[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"[^>]*>\s*', "", form)
    assert after_token.startswith(
        '<div class="alert alert-error error-summary" tabindex="-1" data-error-summary>'
    )
    assert "<h2>There is a problem</h2>" in form
    # Its link leads to an element of the page that exists.
    assert f'id="{refusal.summary[1]}"' in form


@pytest.mark.parametrize("name", REFUSALS)
def test_a_refused_field_is_marked_invalid_and_described_by_its_message(client, personas, session, name):
    refusal = REFUSALS[name]
    client.force_login(getattr(personas, refusal.persona))

    response = client.post(refusal.url(personas, session), refusal.data(personas, session))

    message = refusal.summary[0].split(": ", 1)[1]
    assert field_errors(response, refusal.field) == [message]
    form = the_form(response.content.decode(), refusal.field)
    tag = control(form, refusal.field)
    assert 'aria-invalid="true"' in tag
    described = re.search(r'aria-describedby="([^"]*)"', tag) or re.search(
        rf'<fieldset aria-describedby="([^"]*id_{refusal.field}_error[^"]*)"', form
    )
    assert described, tag
    assert f"id_{refusal.field}_error" in described.group(1).split()


def test_the_start_time_is_described_by_its_help_which_names_the_zone(client, personas):
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:session_create", args=["alpha"]), session_data(personas, starts_at="soon")
    )

    form = the_form(response.content.decode(), "starts_at")
    tag = control(form, "starts_at")
    assert 'aria-describedby="id_starts_at_helptext id_starts_at_error"' in tag
    assert (
        '<div class="help" id="id_starts_at_helptext">Choose a date, then a time. In your time zone: '
        "<span data-zone-label>Europe/Paris</span>.</div>"
    ) in form
    assert field_errors(response, "starts_at") == ["Enter a valid date/time."]


def test_every_message_of_a_field_is_in_the_summary_and_describes_the_field(client, personas):
    """A title both too long and on two lines gets both messages, each read out with the field."""
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:session_create", args=["alpha"]),
        session_data(personas, title="x" * 201 + "\nBcc: all"),
    )

    errors = field_errors(response, "title")
    assert len(errors) == 2
    assert [line for line in error_summary(response) if line[1] == "id_title"] == [
        (f"Title: {error}", "id_title") for error in errors
    ]
    tag = control(the_form(response.content.decode(), "title"), "title")
    described = re.search(r'aria-describedby="([^"]*)"', tag).group(1).split()
    assert described == ["id_title_error", "id_title_error_2"]
    assert 'id="id_title_error_2"' in response.content.decode()


def test_the_wrong_password_is_summed_up_at_the_top_of_the_sign_in_form(client, personas):
    response = client.post(reverse("account_login"), {"login": personas.mentee.email, "password": "wrong"})

    summary = error_summary(response)
    assert len(summary) == 1
    message, link = summary[0]
    assert "not correct" in message
    assert link == ""  # not one field's fault: no link


def test_feedback_without_a_rating_links_to_the_first_choice(client, personas):
    ended = GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        starts_at=timezone.now() - timedelta(hours=3),
    )
    ParticipantFactory(
        session=ended, user=personas.mentee, status=Participant.Status.REGISTERED, attended=True
    )
    client.force_login(personas.mentee)

    response = client.post(reverse("groupsessions:feedback", args=[ended.pk]), {"comment": "Great"})

    assert error_summary(response) == [("Your rating: Choose a rating from 1 to 5.", "id_rating_0")]
    form = the_form(response.content.decode(), "rating")
    assert re.search(
        r'<fieldset aria-describedby="id_rating_helptext id_rating_error"><legend>Your rating', form
    )
    assert 'aria-invalid="true"' in control(form, "rating")


def test_a_refused_session_form_keeps_the_people_picked_to_invite(client, personas):
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:session_create", args=["alpha"]),
        session_data(personas, title="", invitees=[personas.mentee.pk]),
    )

    form = the_form(response.content.decode(), "title")
    assert f'<input type="hidden" name="invitees" value="{personas.mentee.pk}">' in form
    assert 'aria-label="Remove Mina Mentee"' in form
    assert '<label for="invite-search">Invite participants</label>' in form
    search = re.search(r'<input type="text" role="combobox"[^>]*>', form).group(0)
    assert 'id="invite-search"' in search
    assert 'aria-describedby="id_invitees_helptext"' in search
