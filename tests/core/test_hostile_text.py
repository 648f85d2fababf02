"""Every text field of every form, sent control characters, 100 KB, right-to-left marks and NUL:
a clear message or safe storage, never a 500, never a line break in a one-line field."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorcircle.accounts.models import User
from mentorcircle.core.validators import has_control_characters
from mentorcircle.groupsessions.models import GroupSession, Participant
from mentorcircle.programs.models import Program
from tests.factories import GroupSessionFactory

HOSTILE = {
    "line breaks": "Eve\r\nBcc: all@example.org",
    "tab and bell": "a\tb\x07c",
    "100 KB": "x" * 100_000,
    "right to left": "\u202eevil.exe \u200fمريم",
    "NUL": "a\x00b",
    "line separator": "a\u2028b",
}
FUTURE = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT10:00")


@dataclass
class Form:
    persona: str
    url: object  # (personas, session) -> str
    data: object  # (personas, session) -> dict
    one_line: tuple[str, ...]  # fields that must never store a control character
    text: tuple[str, ...]  # every free-text field of the form


def session_data(personas, _session) -> dict:
    return {
        "program": personas.program.pk,
        "title": "A title",
        "description": "A description.",
        "starts_at": FUTURE,
        "time_zone": "UTC",
        "duration_hours": "1",
        "duration_minutes": "0",
        "meeting_url": "",
    }


FORMS = {
    "profile": Form(
        "mentee",
        lambda _p, _s: reverse("accounts:settings"),
        lambda _p, _s: {"full_name": "Mina", "headline": "", "bio": "", "time_zone": "Europe/London"},
        ("full_name", "headline"),
        ("full_name", "headline", "bio"),
    ),
    "create session": Form(
        "manager",
        lambda _p, _s: reverse("manage:session_create", args=["alpha"]),
        session_data,
        ("title",),
        ("title", "description", "meeting_url"),
    ),
    "edit session": Form(
        "mentor",
        lambda _p, s: reverse("groupsessions:edit", args=[s.pk]),
        session_data,
        ("title",),
        ("title", "description", "meeting_url"),
    ),
    "cancel session": Form(
        "mentor",
        lambda _p, s: reverse("groupsessions:cancel", args=[s.pk]),
        lambda _p, _s: {"reason": "r"},
        (),
        ("reason",),
    ),
    "program settings": Form(
        "manager",
        lambda _p, _s: reverse("manage:settings", args=["alpha"]),
        lambda _p, _s: {
            "allow_group_sessions": "on",
            "default_min_participants": "1",
            "default_max_participants": "40",
            "decision_hours_before": "24",
            "join_minutes_before": "10",
            "video_service": "jitsi",
        },
        ("jitsi_app_id",),
        ("jitsi_url", "jitsi_app_id", "jitsi_app_secret", "bbb_url", "bbb_secret"),
    ),
    "add member": Form(
        "manager",
        lambda _p, _s: reverse("manage:member_add", args=["alpha"]),
        lambda _p, _s: {"email": "new@example.org", "full_name": "New Person", "role": "mentee"},
        (),
        ("email", "full_name"),
    ),
}


@pytest.fixture
def session(personas) -> GroupSession:
    return GroupSessionFactory(program=personas.program, host=personas.mentor)


def one_line_values() -> list[str]:
    """Every stored one-line text, after the post."""
    values = list(User.objects.values_list("full_name", flat=True))
    values += list(User.objects.values_list("headline", flat=True))
    values += list(GroupSession.objects.values_list("title", flat=True))
    values += list(Program.objects.values_list("name", flat=True))
    values += list(Program.objects.values_list("jitsi_app_id", flat=True))
    return values


def post(client: Client, url: str, data: dict):
    return client.post(url, data)


def assert_answered(response) -> None:
    """A message (200 or 400) or a save (302 to a page of the site): never a 500, and never
    the sign-in page, which would mean the form was not handled at all."""
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code == 302:
        assert not response["Location"].startswith(reverse("account_login")), response["Location"]


CASES = [(form, field) for form, spec in FORMS.items() for field in spec.text]


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize(("form", "field"), CASES, ids=[f"{f}-{x}" for f, x in CASES])
def test_hostile_text_gets_a_message_or_is_stored_safely(personas, session, form, field, value):
    spec = FORMS[form]
    client = Client(raise_request_exception=False)
    client.force_login(getattr(personas, spec.persona))

    response = post(client, spec.url(personas, session), {**spec.data(personas, session), field: value})

    assert_answered(response)
    if response.status_code == 200 and value != HOSTILE["right to left"]:
        assert 'class="error"' in response.content.decode() or "alert-error" in response.content.decode()
    assert not any(has_control_characters(stored) for stored in one_line_values())
    assert all(len(title) <= 200 for title in GroupSession.objects.values_list("title", flat=True))


@pytest.mark.parametrize("override", ["\u202e", "\u202d", "\u2066", "\u2069"])
def test_a_title_that_would_read_backwards_is_refused(client, personas, override):
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:session_create", args=["alpha"]),
        {**session_data(personas, None), "title": f"Free {override}gnp.exe"},
    )

    assert response.status_code == 200
    assert not GroupSession.objects.exists()


def test_right_to_left_names_with_their_marks_are_fine(client, personas):
    client.force_login(personas.mentee)

    client.post(
        reverse("accounts:settings"),
        {"full_name": "\u200fمريم العربية", "headline": "", "bio": "", "time_zone": "Europe/London"},
    )

    personas.mentee.refresh_from_db()
    assert personas.mentee.full_name == "\u200fمريم العربية"


def test_windows_line_breaks_count_as_one_character_in_a_description(personas):
    from tests.groupsessions.conftest import create_session

    session = create_session(personas.program, personas.mentor, description="a\r\n" * 4000)

    assert session.description.count("\r") == 0
    assert len(session.description) <= 10_000


def test_a_csv_import_stores_names_on_one_line(personas):
    from mentorcircle.programs.services import members_import_csv

    data = (
        'email,name,role,cohort,tags\r\nrita@example.org,"Rita\r\nBcc: x\tY",mentee,"Spring\n2027","a\tb"\r\n'
    )

    members_import_csv(program=personas.program, data=data.encode(), invited_by=personas.manager)

    rita = User.objects.get(email="rita@example.org")
    assert rita.full_name == "Rita Bcc: x Y"
    assert not any(
        has_control_characters(name) for name in personas.program.cohorts.values_list("name", flat=True)
    )
    assert not any(
        has_control_characters(name) for name in personas.program.tags.values_list("name", flat=True)
    )


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize(
    "path",
    ["/manage/alpha/members/?q={}", "/sessions/suggest/?program={program}&q={}", "/me/sessions/?tab={}"],
)
def test_hostile_text_in_a_search_is_answered(personas, value, path):
    from urllib.parse import quote

    client = Client(raise_request_exception=False)
    client.force_login(personas.manager)

    response = client.get(path.replace("{program}", str(personas.program.pk)).format(quote(value[:2000])))

    assert response.status_code in (200, 400)


# ---- Fuzzing: generated text through the public forms, 1,000+ inputs, zero 500s -------------------

FUZZ_FORMS = ["create session", "edit session", "cancel session", "profile", "program settings"]
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)


@pytest.mark.parametrize("form", FUZZ_FORMS)
@settings(max_examples=220, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(text, min_size=5, max_size=5))
def test_generated_text_never_breaks_a_form(personas, session, form, values):
    spec = FORMS[form]
    client = Client(raise_request_exception=False)
    client.force_login(getattr(personas, spec.persona))
    data = spec.data(personas, session)
    for field, value in zip(spec.text, values, strict=False):
        data[field] = value

    response = client.post(spec.url(personas, session), data)

    assert_answered(response)
    assert not any(has_control_characters(stored) for stored in one_line_values())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=60)
)
def test_generated_paths_never_break_the_site(personas, path):
    from urllib.parse import quote

    client = Client(raise_request_exception=False)
    client.force_login(personas.mentee)

    for prefix in ("/sessions/", "/join/", "/rsvp/", "/feedback/", "/people/", "/programs/"):
        response = client.get(prefix + quote(path, safe="/"))
        assert response.status_code in (200, 301, 302, 400, 404, 405), (prefix, path, response.status_code)
    assert Participant.objects.filter(user=personas.mentee).count() == 0


@pytest.fixture
def ended(personas):
    """A session that ended an hour ago, the mentee seated and marked present."""
    start = timezone.now() - timedelta(hours=2)
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, starts_at=start)
    Participant.objects.create(session=session, user=personas.mentee, status="registered", attended=True)
    return session


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize(
    ("persona", "page", "data"),
    [
        ("mentor", "resources", {"recording_url": "{}", "resources_note": ""}),
        ("mentor", "resources", {"recording_url": "", "resources_note": "{}"}),
        ("mentee", "feedback", {"rating": "4", "comment": "{}"}),
        ("mentor", "cancel", {"reason": "{}"}),
    ],
    ids=["recording link", "notes", "feedback comment", "cancel reason"],
)
def test_hostile_text_after_the_session_gets_a_message_or_is_stored_bounded(
    personas, ended, value, persona, page, data
):
    client = Client(raise_request_exception=False)
    client.force_login(getattr(personas, persona))

    response = client.post(
        reverse(f"groupsessions:{page}", args=[ended.pk]),
        {key: field.replace("{}", value) for key, field in data.items()},
    )

    assert_answered(response)
    ended.refresh_from_db()
    assert len(ended.recording_url) <= 500
    assert not has_control_characters(ended.recording_url)
    assert len(ended.resources_note) <= 2000
