"""The group-session pages as each persona sees them, through Django's test client."""

import html
import json
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession, Participant
from tests.factories import GroupSessionFactory, MembershipFactory, ParticipantFactory, UserFactory
from tests.groupsessions.conftest import PARIS
from tests.helpers import field_errors, page_text, toasts

Status = Participant.Status
MEMBERS = ("manager", "mentor", "mentee")
NON_MEMBERS = ("outsider", "other_manager")
# A start a month ahead, as the browser's date-and-time input sends it.
START = (
    (timezone.now() + timedelta(days=30))
    .astimezone(PARIS)
    .replace(hour=18, minute=30, second=0, microsecond=0)
)
START_INPUT = START.strftime("%Y-%m-%dT%H:%M")


def errors_by(response, name: str) -> list[str]:
    """The error messages shown beside the form field `name` (inside that field's box)."""
    content = response.content.decode()
    rest = content[content.index(f'name="{name}"') :]
    ends = [i for i in (rest.find('class="field'), rest.find("</form>")) if i != -1]
    return [html.unescape(m) for m in re.findall(r'<p class="error"[^>]*>(.*?)</p>', rest[: min(ends)], re.S)]


def section(response, css_class: str) -> str:
    match = re.search(rf'<section class="{css_class}"[^>]*>(.*?)</section>', response.content.decode(), re.S)
    assert match, f"no <section class={css_class!r}>"
    return match.group(1)


def rsvp(response) -> str:
    """The text of the box where a person sees their place and the Join / Leave buttons."""
    return html.unescape(section(response, "card rsvp"))


def sent_to_sign_in_and_back_to(response, path: str) -> bool:
    location = urlsplit(response["Location"])
    return location.path == reverse("account_login") and parse_qs(location.query) == {"next": [path]}


def seats(session: GroupSession) -> dict[str, str]:
    rows = Participant.objects.filter(session=session).select_related("user")
    return {row.user.full_name: row.status for row in rows}


def post_data(program, **changes) -> dict[str, str]:
    data = {
        "program": str(program.pk),
        "title": "Negotiating your first salary",
        "description": "We practise **real** offers.",
        "starts_at": START_INPUT,
        "time_zone": "Europe/Paris",
        "duration_hours": "1",
        "duration_minutes": "30",
        "min_participants": "",
        "max_participants": "",
    }
    data.update(changes)
    return data


def edit_data(session: GroupSession, zone=PARIS, **changes) -> dict[str, str]:
    """What the edit form posts back unchanged, plus `changes`."""
    minutes = int(session.duration / timedelta(minutes=1))
    data = {
        "program": str(session.program_id),
        "title": session.title,
        "description": session.description,
        "starts_at": session.starts_at.astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "time_zone": str(zone),
        "duration_hours": str(minutes // 60),
        "duration_minutes": str(minutes % 60),
        "min_participants": str(session.min_participants),
        "max_participants": str(session.max_participants),
    }
    data.update(changes)
    return data


@pytest.fixture
def session(personas) -> GroupSession:
    return GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        title="Pitch practice",
        starts_at=START,
        description="Bring a **two-minute** pitch.",
    )


# ---- Who may open what --------------------------------------------------------------------------

PAGES = {
    "detail": ("get", lambda s: reverse("groupsessions:detail", args=[s.pk])),
    "join": ("post", lambda s: reverse("groupsessions:join", args=[s.pk])),
    "leave": ("post", lambda s: reverse("groupsessions:leave", args=[s.pk])),
    "edit": ("get", lambda s: reverse("groupsessions:edit", args=[s.pk])),
    "cancel": ("get", lambda s: reverse("groupsessions:cancel", args=[s.pk])),
    "personal sessions": ("get", lambda _s: reverse("personal:sessions")),
    "personal create": ("get", lambda _s: reverse("personal:session_create")),
    "manager sessions": ("get", lambda _s: reverse("manage:sessions", args=["alpha"])),
    "manager create": ("get", lambda _s: reverse("manage:session_create", args=["alpha"])),
    "member suggest": (
        "get",
        lambda s: f"{reverse('groupsessions:member_suggest')}?program={s.program_id}&q=Mina",
    ),
    "invite check": (
        "get",
        lambda s: f"{reverse('groupsessions:invite_check', args=[s.pk])}?invite_everyone=on",
    ),
}
# Who gets the page; everyone else gets the status on the right.
ALLOWED = {
    "detail": (MEMBERS, 404),
    "join": (MEMBERS, 404),
    "leave": (MEMBERS, 404),
    # A member who may not change the session is told so; outsiders get 404.
    "edit": (("manager", "mentor"), {"mentee": 403, "outsider": 404, "other_manager": 404}),
    "cancel": (("manager", "mentor"), {"mentee": 403, "outsider": 404, "other_manager": 404}),
    "personal sessions": ((*MEMBERS, *NON_MEMBERS), None),
    "personal create": (("manager", "mentor", "other_manager"), 403),
    # The program's other members are told the page is for its managers; outsiders get 404.
    "manager sessions": (("manager",), {"mentor": 403, "mentee": 403, "outsider": 404, "other_manager": 404}),
    "manager create": (("manager",), {"mentor": 403, "mentee": 403, "outsider": 404, "other_manager": 404}),
    "member suggest": (("manager", "mentor"), 404),
    "invite check": (("manager", "mentor"), {"mentee": 403, "outsider": 404, "other_manager": 404}),
}
CASES = [
    (view, persona)
    for view in PAGES
    for persona in (*MEMBERS, *NON_MEMBERS)  # the mentor hosts the session
]
# What a persona who may open the page sees: its title, or for the two JSON answers their content.
SHOWN = {
    "detail": "<title>Pitch practice · MentorCircle</title>",
    "edit": "<title>Edit · Pitch practice · MentorCircle</title>",
    "cancel": "<title>Cancel · Pitch practice · MentorCircle</title>",
    "personal sessions": "<title>Sessions · MentorCircle</title>",
    "personal create": "<title>Create a session · MentorCircle</title>",
    "manager sessions": "<title>Sessions · Alpha Mentoring · MentorCircle</title>",
    "manager create": "<title>Create session · Alpha Mentoring · MentorCircle</title>",
}


def assert_allowed(view: str, method: str, response, session: GroupSession) -> None:
    """The page itself: a form sent goes back to the session page; a page shows its own title."""
    if method == "post":
        assert response.status_code == 302
        assert response["Location"] == session.get_absolute_url()
        return
    assert response.status_code == 200
    if view == "member suggest":
        assert [person["name"] for person in response.json()["results"]] == ["Mina Mentee"]
    elif view == "invite check":
        assert response.json()["spots_left"] == session.max_participants - 1
    else:
        assert SHOWN[view] in page_text(response)


@pytest.mark.parametrize(("view", "persona"), CASES)
def test_each_page_answers_each_persona_as_it_should(client, personas, session, view, persona):
    method, url = PAGES[view]
    allowed, refused_status = ALLOWED[view]
    client.force_login(getattr(personas, persona))

    response = getattr(client, method)(url(session))

    if persona in allowed:
        assert_allowed(view, method, response, session)
        return
    expected = refused_status[persona] if isinstance(refused_status, dict) else refused_status
    assert response.status_code == expected
    assert "Location" not in response
    assert "Pitch practice" not in page_text(response)


@pytest.mark.parametrize("view", PAGES)
@pytest.mark.usefixtures("personas")
def test_signed_out_visitors_are_sent_to_sign_in_and_back(client, session, view):
    method, url = PAGES[view]
    path = url(session)

    response = getattr(client, method)(path)

    assert response.status_code == 302
    assert sent_to_sign_in_and_back_to(response, path)


@pytest.mark.parametrize("persona", NON_MEMBERS)
def test_non_members_cannot_join_or_leave(client, personas, session, persona):
    client.force_login(getattr(personas, persona))

    client.post(reverse("groupsessions:join", args=[session.pk]))

    assert seats(session) == {"Theo Mentor": Status.HOST}


def test_join_needs_a_post(client, personas, session):
    client.force_login(personas.mentee)

    response = client.get(reverse("groupsessions:join", args=[session.pk]))

    assert response.status_code == 405
    assert seats(session) == {"Theo Mentor": Status.HOST}


@pytest.mark.parametrize("persona", ["mentee", "outsider", "other_manager"])
def test_only_the_host_and_managers_can_edit_or_cancel_by_posting(client, personas, session, persona):
    client.force_login(getattr(personas, persona))

    edited = client.post(reverse("groupsessions:edit", args=[session.pk]), edit_data(session, title="Hacked"))
    cancelled = client.post(reverse("groupsessions:cancel", args=[session.pk]), {"reason": "Hacked"})

    refused = 403 if persona == "mentee" else 404  # the program's members are told why
    assert (edited.status_code, cancelled.status_code) == (refused, refused)
    session.refresh_from_db()
    assert (session.title, session.status) == ("Pitch practice", GroupSession.Status.SCHEDULED)


@pytest.mark.usefixtures("session")
def test_suggestions_are_the_programs_members_as_json(client, personas):
    MembershipFactory(program=personas.other_program, user=UserFactory(full_name="Mina Elsewhere"))
    client.force_login(personas.mentor)

    response = client.get(
        reverse("groupsessions:member_suggest"), {"program": personas.program.pk, "q": "mina"}
    )

    assert response.json() == {"results": [{"id": personas.mentee.pk, "name": "Mina Mentee"}]}


def test_program_managers_also_get_the_email_addresses(client, personas):
    client.force_login(personas.manager)

    response = client.get(
        reverse("groupsessions:member_suggest"), {"program": personas.program.pk, "q": "mina"}
    )

    assert response.json() == {
        "results": [{"id": personas.mentee.pk, "name": "Mina Mentee", "email": personas.mentee.email}]
    }


def test_a_mentor_cannot_find_members_by_their_email_address(client, personas):
    client.force_login(personas.mentor)

    response = client.get(
        reverse("groupsessions:member_suggest"), {"program": personas.program.pk, "q": personas.mentee.email}
    )

    assert response.json() == {"results": []}


def test_a_mentee_cannot_harvest_the_members_addresses(client, personas):
    client.force_login(personas.mentee)

    response = client.get(reverse("groupsessions:member_suggest"), {"program": personas.program.pk, "q": "@"})

    assert response.status_code == 404
    assert personas.manager.email not in response.content.decode()


def test_suggestions_for_another_programs_members_are_not_found(client, personas):
    client.force_login(personas.other_manager)

    response = client.get(reverse("groupsessions:member_suggest"), {"program": personas.program.pk, "q": "m"})

    assert response.status_code == 404
    assert "Mina" not in page_text(response)


@pytest.mark.usefixtures("session")
def test_a_member_of_another_program_never_sees_this_programs_sessions(client, personas):
    MembershipFactory(program=personas.other_program, user=personas.mentor, role="mentor")
    GroupSessionFactory(program=personas.other_program, host=personas.other_manager, title="Beta session")
    client.force_login(personas.other_manager)
    pages = [
        reverse("personal:sessions"),
        reverse("personal:sessions") + "?tab=past",
        reverse("manage:sessions", args=["beta"]),
        reverse("manage:sessions", args=["beta"]) + "?tab=past",
        reverse("groupsessions:program", args=["beta"]),
        reverse("groupsessions:profile", args=[personas.mentor.pk]),
        reverse("groupsessions:profile", args=[personas.other_manager.pk]),
        reverse("groupsessions:member_suggest") + f"?program={personas.other_program.pk}&q=i",
    ]

    responses = {path: client.get(path) for path in pages}
    shown = {path: page_text(response) for path, response in responses.items()}

    assert {path: response.status_code for path, response in responses.items()} == dict.fromkeys(pages, 200)
    assert all("Pitch practice" not in text for text in shown.values())
    assert "Mina Mentee" not in shown[pages[-1]]
    assert "Beta session" in shown[reverse("manage:sessions", args=["beta"])]
    assert client.get(reverse("groupsessions:program", args=["alpha"])).status_code == 404


def test_the_personal_create_page_tells_a_mentee_who_schedules_and_where_to_join(client, personas):
    client.force_login(personas.mentee)

    response = client.get(reverse("personal:session_create"))

    assert response.status_code == 403
    text = page_text(response)
    assert "Only mentors and program managers can schedule sessions in Alpha Mentoring." in text
    assert "You can join sessions on the program page." in text
    assert '<a class="btn btn-primary" href="/programs/alpha/">Go to Alpha Mentoring</a>' in text
    assert "Group sessions are off" not in text


def test_a_mentee_of_several_programs_gets_a_link_to_each(client, personas):
    MembershipFactory(program=personas.other_program, user=personas.mentee, role="mentee")
    client.force_login(personas.mentee)

    text = page_text(client.get(reverse("personal:session_create")))

    assert "Only mentors and program managers can schedule sessions in your programs." in text
    assert 'href="/programs/alpha/">Go to Alpha Mentoring</a>' in text
    assert 'href="/programs/beta/">Go to Beta Program</a>' in text


def test_a_mentor_whose_program_has_sessions_off_is_told_so(client, personas):
    personas.program.allow_group_sessions = False
    personas.program.save()
    client.force_login(personas.mentor)

    response = client.get(reverse("personal:session_create"))

    assert response.status_code == 403
    assert "Group sessions are off" in page_text(response)


@pytest.mark.parametrize("persona", ["mentor", "mentee"])
@pytest.mark.parametrize("url_name", ["manage:sessions", "manage:session_create", "manage:members"])
def test_a_member_who_opens_a_manager_page_is_told_it_is_for_program_managers(
    client, personas, persona, url_name
):
    client.force_login(getattr(personas, persona))

    response = client.get(reverse(url_name, args=["alpha"]))

    assert response.status_code == 403
    text = page_text(response)
    assert "Only program managers of Alpha Mentoring can see this page." in text
    assert 'href="/programs/alpha/">Go to Alpha Mentoring</a>' in text


def test_someone_outside_the_program_never_learns_its_manager_pages_exist(client, personas):
    client.force_login(personas.other_manager)

    response = client.get(reverse("manage:sessions", args=["alpha"]))

    assert response.status_code == 404
    assert "Alpha Mentoring" not in page_text(response)


def test_the_manager_create_page_points_to_the_setting_when_group_sessions_are_off(client, personas):
    personas.program.allow_group_sessions = False
    personas.program.save()
    client.force_login(personas.manager)

    response = client.get(reverse("manage:session_create", args=["alpha"]))

    assert response.status_code == 403
    assert "Allow Group Sessions" in page_text(response)


def test_another_programs_manager_cannot_create_in_this_program_by_posting_its_id(client, personas):
    client.force_login(personas.other_manager)

    response = client.post(reverse("personal:session_create"), post_data(personas.program))

    assert response.status_code == 200
    assert not GroupSession.objects.exists()


# ---- Creating -------------------------------------------------------------------------------------


def test_a_program_manager_creates_a_session_and_sees_created(client, personas):
    client.force_login(personas.manager)

    response = client.post(reverse("manage:session_create", args=["alpha"]), post_data(personas.program))

    assert response.status_code == 302
    assert response["Location"] == reverse("manage:sessions", args=["alpha"])
    page = client.get(response["Location"])
    assert toasts(page) == ["Created!"]
    assert "Negotiating your first salary" in page_text(page)
    session = GroupSession.objects.get()
    assert session.host == personas.manager
    assert session.starts_at == START
    assert session.duration == timedelta(hours=1, minutes=30)
    assert (session.min_participants, session.max_participants) == (1, 40)
    assert seats(session) == {"Maria Manager": Status.HOST}


def test_a_mentor_creates_a_masterclass_from_the_personal_dashboard(client, personas):
    client.force_login(personas.mentor)

    response = client.post(
        reverse("personal:session_create"),
        post_data(personas.program, min_participants="3", max_participants="12"),
        follow=True,
    )

    assert response.redirect_chain == [(reverse("personal:sessions"), 302)]
    assert toasts(response) == ["Created!"]
    assert "Negotiating your first salary" in page_text(response)
    session = GroupSession.objects.get()
    assert (session.host, session.min_participants, session.max_participants) == (personas.mentor, 3, 12)


def create_token_of(response) -> str:
    """The one-time token the create form carries in a hidden field."""
    return re.search(r'<input type="hidden" name="create_token" value="([^"]*)"', page_text(response)).group(
        1
    )


@pytest.mark.parametrize("create", ["manage:session_create", "personal:session_create"])
def test_a_create_form_sent_again_makes_no_second_session_and_opens_the_first(client, personas, create):
    url = reverse(create, args=["alpha"] if create.startswith("manage") else [])
    client.force_login(personas.manager)
    data = post_data(personas.program, create_token=create_token_of(client.get(url)))

    first = client.post(url, data, follow=True)
    again = client.post(url, data, follow=True)  # Back, then Create session again (or a double click)

    session = GroupSession.objects.get()
    assert toasts(first) == ["Created!"]
    assert again.redirect_chain == [(session.get_absolute_url(), 302)]
    assert toasts(again) == [
        (
            "This session was already created from this form; changes made after sending it "
            "were not saved. "
            "Edit the session to change it."
        )
    ]
    assert "<h1>Negotiating your first salary</h1>" in page_text(again)


def test_every_create_form_carries_a_token_of_its_own(client, personas):
    client.force_login(personas.manager)
    url = reverse("manage:session_create", args=["alpha"])

    tokens = {create_token_of(client.get(url)) for _ in range(3)}
    for token in tokens:
        client.post(url, post_data(personas.program, create_token=token))

    assert len(tokens) == 3
    assert GroupSession.objects.count() == 3


def test_a_refused_create_form_keeps_its_token_so_the_corrected_one_creates_once(client, personas):
    client.force_login(personas.manager)
    url = reverse("manage:session_create", args=["alpha"])
    token = create_token_of(client.get(url))

    refused = client.post(url, post_data(personas.program, title="", create_token=token))
    created = client.post(url, post_data(personas.program, create_token=create_token_of(refused)))
    again = client.post(url, post_data(personas.program, create_token=token))

    assert create_token_of(refused) == token
    assert created.status_code == 302
    assert again["Location"] == GroupSession.objects.get().get_absolute_url()


def test_the_edit_form_has_no_create_token(client, personas, session):
    client.force_login(personas.mentor)

    form = page_text(client.get(reverse("groupsessions:edit", args=[session.pk])))

    assert 'name="create_token"' not in form


def test_people_picked_in_the_invite_field_are_invited(client, personas):
    client.force_login(personas.mentor)

    client.post(
        reverse("personal:session_create"), post_data(personas.program, invitees=[personas.mentee.pk])
    )

    assert seats(GroupSession.objects.get()) == {"Theo Mentor": Status.HOST, "Mina Mentee": Status.INVITED}


def test_the_start_is_read_in_the_browsers_zone_across_the_clock_change(client, personas):
    # Paris moves to summer time on Sunday 28 March 2027: 10:00 on the Monday is 08:00 UTC.
    personas.mentor.time_zone = "Europe/Paris"
    personas.mentor.save()
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        client.force_login(personas.mentor)
        client.post(
            reverse("personal:session_create"),
            post_data(personas.program, starts_at="2027-03-29T10:00", time_zone="Europe/Paris"),
        )
        session = GroupSession.objects.get()
        seen_in_paris = page_text(client.get(session.get_absolute_url()))
        client.force_login(personas.mentee)  # Europe/London: summer time from the same night
        seen_in_london = page_text(client.get(session.get_absolute_url()))

    assert session.starts_at == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    assert session.ends_at == datetime(2027, 3, 29, 9, 30, tzinfo=UTC)
    assert "Mon 29 Mar 2027, 10:00 (Europe/Paris)" in seen_in_paris
    assert "Mon 29 Mar 2027, 09:00 (Europe/London)" in seen_in_london


def test_editing_without_touching_the_time_keeps_it_across_the_clock_change(client, personas):
    personas.mentor.time_zone = "Europe/Paris"
    personas.mentor.save()
    starts_at = datetime(2027, 3, 29, 8, 0, tzinfo=UTC)
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, starts_at=starts_at)
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        client.force_login(personas.mentor)
        form = client.get(reverse("groupsessions:edit", args=[session.pk]))
        client.post(reverse("groupsessions:edit", args=[session.pk]), edit_data(session, title="Renamed"))

    assert 'value="2027-03-29T10:00"' in form.content.decode()
    session.refresh_from_db()
    assert (session.title, session.starts_at) == ("Renamed", starts_at)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 201}, "title", "Ensure this value has at most 200 characters (it has 201)."),
        ({"description": ""}, "description", "This field is required."),
        ({"starts_at": "2020-01-06T10:00"}, "starts_at", "Choose a start time in the future."),
        ({"starts_at": "next tuesday"}, "starts_at", "Enter a valid date/time."),
        (
            {"duration_hours": "0", "duration_minutes": "4"},
            "duration_hours",
            "The duration must be between 5 minutes and 12 hours.",
        ),
        (
            {"duration_hours": "12", "duration_minutes": "30"},
            "duration_hours",
            "The duration must be between 5 minutes and 12 hours.",
        ),
        ({"duration_hours": "13"}, "duration_hours", "A session lasts at most 12 hours."),
        ({"min_participants": "0"}, "min_participants", "The minimum is at least 1: the host counts as 1."),
        (
            {"min_participants": "6", "max_participants": "5"},
            "min_participants",
            "The minimum must be at least 1 and no more than the maximum.",
        ),
        (
            {"min_participants": "41"},
            "min_participants",
            "The minimum must be at least 1 and no more than the maximum.",
        ),
        (
            {"max_participants": "1"},
            "max_participants",
            "The maximum must be at least 2: the host counts as 1.",
        ),
        (
            {"max_participants": "1001"},
            "max_participants",
            "The maximum must be between 2 and 1000 (the host counts as 1).",
        ),
    ],
)
def test_bad_input_is_explained_next_to_its_field_and_creates_nothing(
    client, personas, changes, field, message
):
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:session_create", args=["alpha"]), post_data(personas.program, **changes)
    )

    assert response.status_code == 200
    assert message in errors_by(response, field)
    assert GroupSession.objects.count() == 0
    assert toasts(response) == []


def test_the_mentors_form_uses_the_masterclass_wording(client, personas):
    client.force_login(personas.mentor)

    text = page_text(client.get(reverse("personal:session_create")))

    assert "<h1>Create a session</h1>" in text
    assert "Describe the objective of your masterclass" in text
    assert '<label for="invite-search">Guests</label>' in text
    assert "Invite participants" not in text
    assert 'type="datetime-local"' in text
    assert ">Create session</button>" in text


def test_the_managers_form_uses_the_program_wording(client, personas):
    client.force_login(personas.manager)

    text = page_text(client.get(reverse("manage:session_create", args=["alpha"])))

    assert "<h1>Create session</h1>" in text
    assert '<label for="id_description">Description' in text
    assert '<label for="invite-search">Invite participants</label>' in text
    assert "masterclass" not in text
    for label in ("Title", "Start time", "Hours", "Minutes", "Minimum participants", "Maximum participants"):
        assert f">{label}" in text
    assert "The host counts as 1 participant. Leave blank for 40." in text


# ---- The session page -------------------------------------------------------------------------------


def test_the_host_is_told_they_are_attending_and_has_no_join_button(client, personas, session):
    client.force_login(personas.mentor)

    box = rsvp(client.get(session.get_absolute_url()))

    assert "You are attending!" in box
    assert ">Join</button>" not in box


def test_a_member_joins_and_sees_they_are_registered_with_a_leave_button(client, personas, session):
    client.force_login(personas.mentee)
    before = rsvp(client.get(session.get_absolute_url()))

    response = client.post(reverse("groupsessions:join", args=[session.pk]), follow=True)

    assert ">Join</button>" in before
    assert toasts(response) == ["You're registered!"]
    after = rsvp(response)
    assert "You're registered" in after
    assert ">Leave</button>" in after
    assert ">Join</button>" not in after
    assert seats(session)["Mina Mentee"] == Status.REGISTERED


def test_leaving_brings_the_join_button_back(client, personas, session):
    ParticipantFactory(session=session, user=personas.mentee)
    client.force_login(personas.mentee)

    response = client.post(reverse("groupsessions:leave", args=[session.pk]), follow=True)

    assert ">Join</button>" in rsvp(response)
    assert seats(session)["Mina Mentee"] == Status.LEFT


def test_a_full_session_offers_the_waitlist_and_shows_the_position(client, personas):
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, max_participants=2)
    ParticipantFactory(session=session, user=personas.manager)
    ParticipantFactory(session=session, status=Status.WAITLISTED)
    client.force_login(personas.mentee)
    before = rsvp(client.get(session.get_absolute_url()))

    response = client.post(reverse("groupsessions:join", args=[session.pk]), follow=True)

    assert ">Join waitlist</button>" in before
    assert "The session is full." in before
    assert toasts(response) == ["The session is full: you're on the waitlist."]
    after = rsvp(response)
    assert "You're number 2 on the waitlist" in after
    assert ">Leave waitlist</button>" in after


def test_the_page_says_how_many_more_are_needed_until_the_minimum(client, personas):
    session = GroupSessionFactory(program=personas.program, host=personas.mentor, min_participants=3)
    client.force_login(personas.mentee)

    below = page_text(client.get(session.get_absolute_url()))
    client.post(reverse("groupsessions:join", args=[session.pk]))
    one_short = page_text(client.get(session.get_absolute_url()))
    ParticipantFactory(session=session, user=personas.manager)
    reached = page_text(client.get(session.get_absolute_url()))

    assert "2 more needed for this session to be held" in below
    assert "1 more needed for this session to be held" in one_short
    assert "more needed" not in reached
    assert "The minimum is reached. The session is held if it still has 3 participants on " in reached


def quorum(response) -> str:
    """The session page's sentence about whether the session will be held, without markup."""
    match = re.search(r'<p class="quorum [^"]*">(.*?)</p>', page_text(response), re.S)
    assert match, "no quorum sentence"
    return re.sub(r"<[^>]+>", "", match.group(1))


def create_at_9_utc(client, personas, *, starts_at: str, min_participants: str) -> GroupSession:
    """The mentor creates a session through the form on Monday 1 March 2027 at 09:00 UTC (10:00 in
    Paris); the start is typed in Paris time."""
    client.force_login(personas.mentor)
    client.post(
        reverse("personal:session_create"),
        post_data(
            personas.program, starts_at=starts_at, time_zone="Europe/Paris", min_participants=min_participants
        ),
    )
    return GroupSession.objects.get()


def test_a_session_created_two_hours_ahead_says_it_is_decided_in_an_hour(client, personas):
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        session = create_at_9_utc(client, personas, starts_at="2027-03-01T12:00", min_participants="3")
        client.force_login(personas.mentee)  # Europe/London
        response = client.get(session.get_absolute_url())

    assert session.decide_at == datetime(2027, 3, 1, 10, 0, tzinfo=UTC)
    assert quorum(response) == (
        "2 more needed for this session to be held. It needs 3 participants (the host counts as 1) "
        "by Mon 1 Mar 2027, 10:00 (Europe/London), or it is cancelled and everyone is told."
    )


def test_a_session_created_two_hours_ahead_that_the_host_fills_says_it_is_confirmed(client, personas):
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        session = create_at_9_utc(client, personas, starts_at="2027-03-01T12:00", min_participants="")
        response = client.get(session.get_absolute_url())
        listing = client.get(reverse("personal:sessions"))

    assert quorum(response) == "Confirmed: this session will be held."
    assert '<span class="pill pill-ok">Confirmed</span>' in page_text(listing)


def test_a_session_a_month_ahead_still_says_when_it_is_decided(client, personas):
    with time_machine.travel(datetime(2027, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        session = create_at_9_utc(client, personas, starts_at="2027-04-01T12:00", min_participants="")
        response = client.get(session.get_absolute_url())

    assert session.status == GroupSession.Status.SCHEDULED
    assert quorum(response) == (
        "The minimum is reached. The platform confirms it on Wed 31 Mar 2027, 11:00 (Europe/London)."
    )


def test_the_form_gives_the_page_each_programs_decision_hours_for_the_note_beside_the_start(client, personas):
    personas.program.decision_hours_before = 48
    personas.program.default_min_participants = 2
    personas.program.save()
    client.force_login(personas.manager)

    page = client.get(reverse("manage:session_create", args=["alpha"])).content.decode()

    start = re.search(r'<input type="datetime-local" name="starts_at"[^>]*>', page).group(0)
    rules = json.loads(html.unescape(re.search(r'data-decision-rules="([^"]*)"', start).group(1)))
    assert rules == {str(personas.program.pk): {"hours": 48, "min": 2}}
    assert '<div class="decision-note" data-decision-note aria-live="polite"></div>' in page


def test_a_confirmed_session_says_it_will_be_held(client, personas, session):
    services.session_decide(session_id=session.pk, now=session.decide_at)
    client.force_login(personas.mentee)

    assert "Confirmed: this session will be held." in page_text(client.get(session.get_absolute_url()))


def test_the_page_shows_facts_and_seated_participants(client, personas, session):
    ParticipantFactory(session=session, user=personas.mentee)
    ParticipantFactory(session=session, user=UserFactory(full_name="Wes Waiting"), status=Status.WAITLISTED)
    client.force_login(personas.mentee)

    text = page_text(client.get(session.get_absolute_url()))

    assert "<h1>Pitch practice</h1>" in text
    assert "2 of 40 spots taken · 38 left · 1 on the waitlist" in text
    assert "1 hour" in text
    assert "Participants (2)" in text
    assert '>Theo Mentor</a> <span class="pill">Host</span>' in text
    assert ">Mina Mentee</a>" in text
    assert "Wes Waiting" not in text  # only the host and managers see the waitlist


def test_the_host_sees_the_waitlist_and_the_invited(client, personas, session):
    ParticipantFactory(session=session, user=UserFactory(full_name="Wes Waiting"), status=Status.WAITLISTED)
    ParticipantFactory(session=session, user=personas.mentee, status=Status.INVITED)
    client.force_login(personas.mentor)

    text = page_text(client.get(session.get_absolute_url()))

    assert "<h3>Waitlist</h3>" in text
    assert "Wes Waiting" in text
    assert "<h3>Invited, no answer yet</h3>" in text
    assert "Mina Mentee" in text


def test_the_page_has_a_copy_link_button_with_its_address(client, personas, session):
    client.force_login(personas.mentee)

    content = client.get(session.get_absolute_url()).content.decode()

    button = re.search(r'<button type="button" class="btn" data-copy="([^"]+)">(.*?)</button>', content, re.S)
    assert button
    assert button.group(1) == f"http://testserver/sessions/{session.pk}/"
    assert button.group(2).strip().endswith("Copy link")


@pytest.mark.parametrize(("persona", "has_menu"), [("mentor", True), ("manager", True), ("mentee", False)])
def test_the_session_actions_menu_is_for_the_host_and_managers(client, personas, session, persona, has_menu):
    client.force_login(getattr(personas, persona))

    content = client.get(session.get_absolute_url()).content.decode()

    assert ('aria-label="Session actions"' in content) is has_menu
    assert (reverse("groupsessions:edit", args=[session.pk]) in content) is has_menu
    assert (reverse("groupsessions:cancel", args=[session.pk]) in content) is has_menu


def test_the_description_is_rendered_as_markdown_without_scripts_or_raw_html(client, personas):
    session = GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        description=(
            "## Agenda\n\n**Bold** and *calm*.\n\n<script>alert('x')</script>\n\n"
            '<b onclick="steal()">raw</b> <img src=x onerror=alert(1)> [bad](javascript:alert(1))'
        ),
    )
    client.force_login(personas.mentee)

    about = section(client.get(session.get_absolute_url()), "card prose-md")

    assert "<h2>Agenda</h2>" in about
    assert "<strong>Bold</strong> and <em>calm</em>." in about
    for forbidden in ("<script", "<b ", "<b>", "<img", "onerror", "onclick", "javascript:"):
        assert forbidden not in about


def test_a_cancelled_session_shows_its_reason_and_cannot_be_joined(client, personas, session):
    services.session_cancel(session=session, actor=personas.mentor, reason="The host is ill")
    client.force_login(personas.mentee)

    page = client.get(session.get_absolute_url())
    response = client.post(reverse("groupsessions:join", args=[session.pk]), follow=True)

    text = page_text(page)
    assert "This session was cancelled." in text
    assert "Reason: The host is ill" in text
    assert "Join" not in rsvp(page)
    assert 'aria-label="Session actions"' not in text
    assert toasts(response) == ["This session was cancelled, so it cannot be joined."]
    assert "Mina Mentee" not in seats(session)


def test_an_ended_session_says_so_and_cannot_be_joined(client, personas):
    session = GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        starts_at=timezone.now() - timedelta(hours=2),
    )
    client.force_login(personas.mentee)

    page = client.get(session.get_absolute_url())
    response = client.post(reverse("groupsessions:join", args=[session.pk]), follow=True)

    assert "This session has ended." in rsvp(page)
    assert ">Join" not in rsvp(page)
    assert toasts(response) == ["This session has ended, so it cannot be joined."]


def test_a_live_session_shows_live_now_and_lets_a_member_join_straight_into_the_call(client, personas):
    session = GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        starts_at=timezone.now() - timedelta(minutes=10),
    )
    client.force_login(personas.mentee)

    page = client.get(session.get_absolute_url())
    response = client.post(reverse("groupsessions:join", args=[session.pk]), follow=True)

    assert "Live now" in rsvp(page)
    assert ">Join</button>" in rsvp(page)
    assert toasts(response) == ["You're registered!"]
    assert "Join the call" in rsvp(response)


def test_the_host_trying_to_leave_is_told_to_cancel_instead(client, personas, session):
    client.force_login(personas.mentor)

    response = client.post(reverse("groupsessions:leave", args=[session.pk]), follow=True)

    assert toasts(response) == ["As the host you cannot leave; cancel the session instead."]
    assert seats(session) == {"Theo Mentor": Status.HOST}


# ---- Editing and cancelling ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["mentor", "manager"])
def test_the_host_and_managers_can_edit_a_session(client, personas, session, persona):
    client.force_login(getattr(personas, persona))

    response = client.post(
        reverse("groupsessions:edit", args=[session.pk]), edit_data(session, title="Pitch practice II")
    )

    assert response.status_code == 302
    assert response["Location"] == session.get_absolute_url()
    page = client.get(response["Location"])
    assert toasts(page) == ["Saved!"]
    assert "<h1>Pitch practice II</h1>" in page_text(page)


def test_the_edit_form_refuses_a_maximum_below_those_already_registered(client, personas, session):
    ParticipantFactory(session=session, user=personas.mentee)
    ParticipantFactory(session=session, user=personas.manager)
    client.force_login(personas.mentor)

    response = client.post(
        reverse("groupsessions:edit", args=[session.pk]), edit_data(session, max_participants="2")
    )

    assert response.status_code == 200
    assert errors_by(response, "max_participants") == [
        "3 people are already registered (host included); the maximum cannot be lower than 3."
    ]
    session.refresh_from_db()
    assert session.max_participants == 40


def test_cancelling_asks_for_a_reason(client, personas, session):
    client.force_login(personas.mentor)

    form = client.get(reverse("groupsessions:cancel", args=[session.pk]))
    response = client.post(reverse("groupsessions:cancel", args=[session.pk]), {"reason": ""})

    assert "Reason" in page_text(form)
    assert ">Cancel session</button>" in page_text(form)
    assert errors_by(response, "reason") == ["This field is required."]
    session.refresh_from_db()
    assert session.status == GroupSession.Status.SCHEDULED


def test_a_cancelled_session_stays_under_future_marked_cancelled_and_never_shows_under_past(
    client, personas, session
):
    client.force_login(personas.mentor)

    response = client.post(
        reverse("groupsessions:cancel", args=[session.pk]), {"reason": "The host is ill"}, follow=True
    )
    future = client.get(reverse("personal:sessions"))
    past = client.get(reverse("personal:sessions"), {"tab": "past"})

    assert toasts(response) == ["Session cancelled. Everyone registered will be told."]
    assert cancelled_titles(future) == ["Pitch practice"]
    assert "Cancelled: The host is ill" in page_text(future)
    assert session_titles(past) == []


# ---- The Sessions pages, the profile and the program page ---------------------------------------------


def session_titles(response) -> list[str]:
    return re.findall(r'<h3><a href="/sessions/\d+/">(.*?)</a></h3>', page_text(response))


def cancelled_titles(response) -> list[str]:
    """The titles of the list's rows marked cancelled (a red date and a "Cancelled" label)."""
    rows = re.findall(r'<li class="session-row card session-cancelled">(.*?)</li>', page_text(response), re.S)
    assert all('<span class="pill pill-err">Cancelled</span>' in row for row in rows)
    return [re.search(r'<h3><a href="/sessions/\d+/">(.*?)</a></h3>', row).group(1) for row in rows]


def sessions_around_now(personas) -> None:
    """Sessions of the mentor's: coming, held and called off, created in no particular order."""
    now = timezone.now()
    cancelled = GroupSession.Status.CANCELLED
    for title, starts_in, status in [
        ("In a month", timedelta(days=30), None),
        ("Called off tomorrow", timedelta(days=1, hours=2), cancelled),
        ("Tomorrow", timedelta(days=1), None),
        ("Last week", -timedelta(days=7), None),
        ("Called off last month", -timedelta(days=30), cancelled),
        ("Next week", timedelta(days=7), None),
        ("Called off yesterday", -timedelta(days=1, hours=2), cancelled),
        ("Yesterday", -timedelta(days=1), None),
        ("Three days ago", -timedelta(days=3), None),
    ]:
        GroupSessionFactory(
            program=personas.program,
            host=personas.mentor,
            title=title,
            starts_at=now + starts_in,
            **({"status": status, "cancel_reason": "The host is ill"} if status else {}),
        )


FUTURE_LIST = ["Tomorrow", "Called off tomorrow", "Next week", "In a month"]
PAST_LIST = ["Yesterday", "Three days ago", "Last week"]


@pytest.mark.parametrize(
    ("viewer", "page"),
    [
        ("mentor", reverse_lazy("personal:sessions")),
        ("manager", reverse_lazy("manage:sessions", args=["alpha"])),
    ],
)
def test_future_lists_what_is_coming_soonest_first_and_past_what_took_place_latest_first(
    client, personas, viewer, page
):
    sessions_around_now(personas)
    client.force_login(getattr(personas, viewer))

    future = client.get(page)
    past = client.get(page, {"tab": "past"})

    assert session_titles(future) == FUTURE_LIST
    assert cancelled_titles(future) == ["Called off tomorrow"]
    assert session_titles(past) == PAST_LIST
    assert "Cancelled" not in page_text(past)


def test_the_program_page_lists_whats_coming_with_cancelled_sessions_marked(client, personas):
    sessions_around_now(personas)
    client.force_login(personas.mentee)

    response = client.get(reverse("groupsessions:program", args=["alpha"]))

    assert session_titles(response) == FUTURE_LIST
    assert cancelled_titles(response) == ["Called off tomorrow"]


def test_the_host_sees_spots_taken_and_participants_names(client, personas, session):
    ParticipantFactory(session=session, user=personas.mentee)
    ParticipantFactory(session=session, user=UserFactory(full_name="Wes Waiting"), status=Status.WAITLISTED)
    client.force_login(personas.mentor)

    text = page_text(client.get(reverse("personal:sessions")))

    assert "2 of 40 spots taken" in text
    assert "1 on the waitlist" in text
    people = re.search(r'<p class="session-people">(.*?)</p>', text, re.S).group(1)
    assert "Mina Mentee" in people
    assert "Wes Waiting" not in people
    assert "You are attending!" in text
    assert ">Create a session</a>" in text


def test_a_participant_sees_their_place_but_not_the_other_participants(client, personas, session):
    ParticipantFactory(session=session, user=personas.mentee)
    ParticipantFactory(session=session, user=UserFactory(full_name="Pat Peer"))
    client.force_login(personas.mentee)

    text = page_text(client.get(reverse("personal:sessions")))

    assert "Pitch practice" in text
    assert "You're registered" in text
    assert "Pat Peer" not in text
    assert "Create a session" not in text


def test_the_manager_sessions_page_lists_every_session_of_the_program(client, personas, session):
    GroupSessionFactory(
        program=personas.program,
        host=personas.manager,
        title="Kick-off",
        starts_at=session.starts_at - timedelta(days=3),
    )
    GroupSessionFactory(program=personas.other_program, host=personas.other_manager, title="Beta session")
    client.force_login(personas.manager)

    response = client.get(reverse("manage:sessions", args=["alpha"]))

    assert session_titles(response) == ["Kick-off", "Pitch practice"]
    assert ">Create session</a>" in page_text(response)


def test_the_profile_lists_the_hosts_upcoming_sessions_with_a_link(client, personas, session):
    GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        title="Called off",
        status=GroupSession.Status.CANCELLED,
    )
    client.force_login(personas.mentee)

    text = page_text(client.get(reverse("groupsessions:profile", args=[personas.mentor.pk])))

    assert "Upcoming group sessions" in text
    assert "Pitch practice" in text
    assert f'<a class="btn btn-small" href="/sessions/{session.pk}/">View group session</a>' in text
    assert "Called off" not in text


@pytest.mark.usefixtures("session")
def test_the_program_page_lists_its_upcoming_sessions(client, personas):
    GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        title="Yesterday's session",
        starts_at=timezone.now() - timedelta(days=1),
    )
    GroupSessionFactory(program=personas.other_program, host=personas.other_manager, title="Beta session")
    client.force_login(personas.mentee)

    response = client.get(reverse("groupsessions:program", args=["alpha"]))

    assert "Upcoming group sessions" in page_text(response)
    assert session_titles(response) == ["Pitch practice"]
    assert "1 of 40 spots taken" in page_text(response)


def test_a_start_time_skipped_by_the_clock_change_is_explained_next_to_the_field(client, personas):
    client.force_login(personas.manager)

    # In Paris, 02:30 on 28 March 2027 does not exist: the clocks jump from 02:00 to 03:00.
    response = client.post(
        reverse("manage:session_create", args=["alpha"]),
        post_data(personas.program, starts_at="2027-03-28T02:30"),
    )

    assert (
        "The clocks change at that time (daylight saving), so it does not exist or happens twice. "
        in " ".join(errors_by(response, "starts_at"))
    )
    assert GroupSession.objects.count() == 0


def test_empty_duration_inputs_say_which_one_is_missing(client, personas):
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:session_create", args=["alpha"]),
        post_data(personas.program, duration_hours="", duration_minutes=""),
    )

    assert "Enter the hours (0 to 12)." in page_text(response)
    assert "Enter the minutes (0 to 59)." in page_text(response)
    assert GroupSession.objects.count() == 0


def test_a_cancelled_session_no_longer_tells_the_host_they_are_attending(client, personas, session):
    services.session_cancel(session=session, actor=personas.mentor, reason="The speaker is ill")
    client.force_login(personas.mentor)

    response = client.get(session.get_absolute_url())
    listing = client.get(reverse("personal:sessions"))

    assert "This session was cancelled." in rsvp(response)
    assert "You are attending!" not in page_text(response)
    assert "You are attending!" not in page_text(listing)
    assert "The speaker is ill" in page_text(listing)


def test_a_member_with_no_sessions_is_pointed_to_their_programs_upcoming_sessions(client, personas):
    client.force_login(personas.mentee)

    response = client.get(reverse("personal:sessions"))

    program_page = reverse("groupsessions:program", args=[personas.program.slug])
    assert f'href="{program_page}"' in response.content.decode()
    assert "See what's coming up in Alpha Mentoring" in page_text(response)
    assert "Beta Program" not in page_text(response)


def test_a_title_over_200_characters_is_refused_with_a_message_not_cut(client, personas):
    client.force_login(personas.manager)
    page = client.get(reverse("manage:session_create", args=["alpha"])).content.decode()
    title_input = re.search(r'<input[^>]*name="title"[^>]*>', page).group(0)

    response = client.post(
        reverse("manage:session_create", args=["alpha"]),
        {**post_data(personas.program), "title": "T" * 201},
    )

    assert "maxlength" not in title_input
    assert field_errors(response, "title") == ["Ensure this value has at most 200 characters (it has 201)."]
    assert not GroupSession.objects.exists()


def test_manager_sessions_names_eight_registered_people_and_links_to_the_rest(client, personas):
    session = GroupSessionFactory(
        program=personas.program,
        host=personas.mentor,
        title="Crowded session",
        starts_at=timezone.now() + timedelta(days=3),
        max_participants=30,
    )
    for number in range(11):
        person = UserFactory(full_name=f"Person {number:02}")
        MembershipFactory(program=personas.program, user=person, role="mentee")
        ParticipantFactory(session=session, user=person, status=Participant.Status.REGISTERED)
    client.force_login(personas.manager)

    response = client.get(reverse("manage:sessions", args=["alpha"]))

    text = page_text(response)
    assert "Person 07" in text
    assert "Person 08" not in text
    visible = " ".join(re.sub(r"<[^>]+>", "", text).split())
    assert "Person 07 and 3 more" in visible
    assert f'and <a href="{session.get_absolute_url()}#people-title">3 more</a>' in response.content.decode()
