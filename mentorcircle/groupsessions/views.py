from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mentorcircle.accounts.http import AuthedRequest
from mentorcircle.accounts.models import User
from mentorcircle.accounts.timezones import zone_for
from mentorcircle.core.ids import ids as only_ids
from mentorcircle.core.ids import is_id
from mentorcircle.core.pagination import paginate
from mentorcircle.core.refusals import Refused
from mentorcircle.groupsessions import ics, rules, selectors, services, video
from mentorcircle.groupsessions.forms import CancelForm, FeedbackForm, InviteForm, ResourcesForm, SessionForm
from mentorcircle.groupsessions.models import GroupSession, Participant, SessionState
from mentorcircle.groupsessions.tokens import feedback_read, rsvp_read
from mentorcircle.programs.models import Membership, Program
from mentorcircle.programs.selectors import (
    membership_get,
    membership_in,
    memberships_of,
    person_get_visible,
    programs_managed_by,
    shared_memberships,
)
from mentorcircle.programs.views import manager_view


def _tab(request: AuthedRequest) -> str:
    return selectors.PAST if request.GET.get("tab") == selectors.PAST else selectors.FUTURE


def _creatable_programs(user: User) -> list[Program]:
    memberships = memberships_of(user=user)
    return [m.program for m in memberships if rules.can_create_sessions(membership=m)]


@login_required
def personal_sessions(request: AuthedRequest) -> HttpResponse:
    tab = _tab(request)
    page, query = paginate(
        request, selectors.sessions_for_person(user=request.user, tab=tab, with_cancelled=True)
    )
    return render(
        request,
        "groupsessions/personal_sessions.html",
        {
            "tab": tab,
            # The list names the people of the sessions the viewer hosts, and of no other.
            "sessions": selectors.for_display(
                page.object_list, user=request.user, attendees=lambda s: s.host_id == request.user.pk
            ),
            "page": page,
            "query": query,
            "can_create": bool(_creatable_programs(request.user)),
            "nav_section": "sessions",
        },
    )


def _create(
    request: AuthedRequest,
    *,
    programs: list[Program],
    variant: str,
    done_url: str,
    template: str,
    extra: dict[str, object],
) -> HttpResponse:
    managed = {program.pk for program in programs_managed_by(user=request.user)}
    form = SessionForm(
        request.POST or None,
        programs=programs,
        variant=variant,
        can_invite_groups=len(programs) == 1 and programs[0].pk in managed,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_create(
                program=form.cleaned_data["program"],
                host=request.user,
                details=form.details,
                invitees=form.invitees_chosen(),
                create_token=form.cleaned_data.get("create_token"),
            )
        except services.SessionAlreadyCreated as repeat:
            messages.warning(request, repeat.message)
            return redirect(repeat.session)
        except services.SessionError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Created!")
            return redirect(done_url)
    return render(request, template, {"form": form, "variant": variant, **extra})


def _mentee_refusal(user: User) -> Refused | None:
    """For someone who is only ever a mentee: who may schedule sessions, and where they can join
    one instead. None for a mentor or manager (their programs have group sessions off)."""
    memberships = list(memberships_of(user=user))
    if not memberships or any(m.role in rules.CREATOR_ROLES for m in memberships):
        return None
    programs = [m.program for m in memberships]
    links = [(f"Go to {program.name}", program.get_absolute_url()) for program in programs]
    if len(programs) == 1:
        return Refused(
            f"Only mentors and program managers can schedule sessions in {programs[0].name}.",
            hint="You can join sessions on the program page.",
            links=links,
        )
    return Refused(
        "Only mentors and program managers can schedule sessions in your programs.",
        hint="You can join sessions on each program's page.",
        links=links,
    )


@login_required
def personal_session_create(request: AuthedRequest) -> HttpResponse:
    programs = _creatable_programs(request.user)
    if not programs:
        refusal = _mentee_refusal(request.user)
        if refusal:
            raise refusal
        return render(request, "groupsessions/not_enabled.html", {"nav_section": "sessions"}, status=403)
    return _create(
        request,
        programs=programs,
        variant="mentor",
        done_url=reverse("personal:sessions"),
        template="groupsessions/personal_create.html",
        extra={"nav_section": "sessions", "cancel_url": reverse("personal:sessions")},
    )


@manager_view
def manager_sessions(request: AuthedRequest, program: Program) -> HttpResponse:
    tab = _tab(request)
    page, query = paginate(
        request, selectors.sessions_for_program(program=program, tab=tab, with_cancelled=True)
    )
    return render(
        request,
        "groupsessions/manager_sessions.html",
        {
            "program": program,
            "tab": tab,
            "sessions": selectors.for_display(page.object_list, user=request.user, attendees=True),
            "page": page,
            "query": query,
            "nav_section": "sessions",
        },
    )


@manager_view
def manager_session_create(request: AuthedRequest, program: Program) -> HttpResponse:
    if not program.allow_group_sessions:
        return render(
            request,
            "groupsessions/not_enabled.html",
            {"program": program, "nav_section": "sessions"},
            status=403,
        )
    done = reverse("manage:sessions", args=[program.slug])
    return _create(
        request,
        programs=[program],
        variant="manager",
        done_url=done,
        template="groupsessions/manager_create.html",
        extra={"program": program, "nav_section": "sessions", "cancel_url": done},
    )


@login_required
def session_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    session, membership = selectors.session_get_visible(user=request.user, pk=pk)
    state: SessionState = session.state  # type: ignore[attr-defined]
    me = selectors.participant_for(session=session, user=request.user)
    can_manage = rules.can_manage_session(session=session, user=request.user, membership=membership)
    people = selectors.session_people(session=session)
    seated = people[Participant.Status.HOST] + people[Participant.Status.REGISTERED]
    summary = selectors.feedback_summary(session=session) if can_manage and state.phase.is_over else None
    my_feedback = getattr(me, "feedback", None) if me and me.attended and state.phase.is_over else None
    return render(
        request,
        "groupsessions/detail.html",
        {
            "session": session,
            "state": state,
            "me": me,
            "position": selectors.waitlist_position(participant=me)
            if me and me.status == Participant.Status.WAITLISTED
            else None,
            "can_manage": can_manage,
            "show_names": membership.is_manager,
            "people": people,
            "seated": seated,
            "joined_so_far": [p for p in seated if p.joined_at]
            if can_manage and state.phase.call_open
            else None,
            "feedback": summary,
            "my_feedback": my_feedback,
            "share_url": request.build_absolute_uri(session.get_absolute_url()),
            "invite_form": InviteForm(session=session, can_invite_groups=membership.is_manager)
            if can_manage
            else None,
            "calendar_links": calendar_links(session),
        },
    )


def calendar_links(session: GroupSession) -> dict[str, str]:
    """ "Add to calendar" links for Google Calendar and Outlook (opened by the person's browser)."""
    url = ics.session_url(session)
    start, end = session.starts_at.astimezone(UTC), session.ends_at.astimezone(UTC)
    google = urlencode(
        {
            "action": "TEMPLATE",
            "text": session.title,
            "dates": f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}",
            "details": url,
            "location": url,
        }
    )
    outlook = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": session.title,
            "startdt": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "enddt": end.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body": url,
            "location": url,
        }
    )
    return {
        "google": f"https://calendar.google.com/calendar/render?{google}",
        "outlook": f"https://outlook.live.com/calendar/0/deeplink/compose?{outlook}",
    }


def _act(request: AuthedRequest, pk: int, action: Callable[[GroupSession], None]) -> HttpResponse:
    session, _ = selectors.session_get_visible(user=request.user, pk=pk)
    try:
        action(session)
    except services.SessionError as error:
        messages.error(request, error.message)
    return redirect(session)


@login_required
@require_POST
def session_join(request: AuthedRequest, pk: int) -> HttpResponse:
    # The service reads the session once, under its lock, and says whether the person may see it.
    try:
        participant = services.participant_join_by_id(session_id=pk, user=request.user)
    except (GroupSession.DoesNotExist, services.NotAMember):
        raise Http404("No such session.") from None
    except services.SessionError as error:
        messages.error(request, error.message)
    else:
        if participant.status == Participant.Status.WAITLISTED:
            messages.success(request, "The session is full: you're on the waitlist.")
        else:
            messages.success(request, "You're registered!")
    return redirect("groupsessions:detail", pk)


@login_required
@require_POST
def session_leave(request: AuthedRequest, pk: int) -> HttpResponse:
    def leave(session: GroupSession) -> None:
        services.participant_leave(session=session, user=request.user)
        messages.success(request, "You're no longer registered for this session.")

    return _act(request, pk, leave)


def _managed(request: AuthedRequest, pk: int) -> tuple[GroupSession, Membership]:
    session, membership = selectors.session_get_visible(user=request.user, pk=pk)
    if not rules.can_manage_session(session=session, user=request.user, membership=membership):
        raise Refused(
            "Only the host and the program's managers can change this session.",
            hint="You can see it, and join or leave it, on its page.",
            links=[("Go to the session", session.get_absolute_url())],
        )
    return session, membership


@login_required
def session_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    session, membership = _managed(request, pk)
    variant = "manager" if membership.is_manager else "mentor"
    form = SessionForm(
        request.POST or None,
        programs=[session.program],
        variant=variant,
        session=session,
        can_invite_groups=membership.is_manager,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(
                session=session,
                actor=request.user,
                details=form.details,
                invitees=form.invitees_chosen(),
            )
        except services.SessionError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Saved!")
            return redirect(session)
    return render(
        request,
        "groupsessions/edit.html",
        {"form": form, "session": session, "variant": variant, "cancel_url": session.get_absolute_url()},
    )


@login_required
def session_cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    session, _ = _managed(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(session=session, actor=request.user, reason=form.cleaned_data["reason"])
        except services.SessionError as error:
            form.add_error("reason" if error.field == "reason" else None, error.message)
        else:
            messages.success(request, "Session cancelled. Everyone registered will be told.")
            return redirect(session)
    return render(request, "groupsessions/cancel.html", {"form": form, "session": session})


def member_suggestions_json(
    request: AuthedRequest, *, may_pick: Callable[[Membership], bool]
) -> JsonResponse:
    """The members type-ahead's answer (`?program=<id>&q=<text>`, see the member picker), for
    every picker: the program's members matching, by name, and by email address for its
    managers only (who may see addresses). 404 for a program the person is not in, or where
    `may_pick` refuses their membership."""
    program_id = request.GET.get("program", "")
    membership = membership_in(user=request.user, program_id=program_id) if is_id(program_id) else None
    if membership is None or not may_pick(membership):
        raise Http404("No such program.")
    people = selectors.member_suggestions(
        program=membership.program,
        query=request.GET.get("q", "")[:100],
        exclude=request.user,
        by_email=membership.is_manager,
    )
    return JsonResponse(
        {
            "results": [
                {
                    "id": p.pk,
                    "name": p.name_for(request.user, manages=membership.is_manager),
                    **({"email": p.email} if membership.is_manager else {}),
                }
                for p in people
            ]
        }
    )


@login_required
def member_suggest(request: AuthedRequest) -> JsonResponse:
    """The invite picker's type-ahead, for the people who may invite (program managers and
    mentors)."""
    return member_suggestions_json(
        request, may_pick=lambda membership: rules.can_invite(membership=membership)
    )


@login_required
@require_POST
def session_decline(request: AuthedRequest, pk: int) -> HttpResponse:
    def decline(session: GroupSession) -> None:
        services.participant_decline(session=session, user=request.user)
        messages.success(request, "You declined. The host has been told.")

    return _act(request, pk, decline)


@login_required
@require_POST
def session_invite(request: AuthedRequest, pk: int) -> HttpResponse:
    session, membership = _managed(request, pk)
    form = InviteForm(request.POST, session=session, can_invite_groups=membership.is_manager)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(error) for error in errors))
        return redirect(session)
    try:
        count = services.session_invite(session=session, actor=request.user, invitees=form.invitees_chosen())
    except services.SessionError as error:
        messages.error(request, error.message)
    else:
        if count:
            messages.success(request, f"Invited {count} {'person' if count == 1 else 'people'}.")
            spots_left = session.state_at(timezone.now()).spots_left
            warning = seats_warning(spots_left=spots_left, people=count, verb="invited")
            if warning:
                messages.warning(request, warning)
        else:
            messages.success(request, "Everyone you picked was already invited or registered.")
    return redirect(session)


def seats_warning(*, spots_left: int, people: int, verb: str = "selected") -> str:
    """What to say when more people are invited than there are seats left ("" otherwise):
    invitations hold no seat, so the first to accept get them."""
    if people <= spots_left:
        return ""
    seats = f"{spots_left} seat{'s' if spots_left != 1 else ''} left" if spots_left else "No seats left"
    who = f"{people} {'person' if people == 1 else 'people'} {verb}"
    if not spots_left:
        return f"{seats}, {who}. Everyone who accepts joins the waitlist, in the order they accept."
    return f"{seats}, {who}. Seats go to whoever accepts first; the rest join the waitlist."


@login_required
def session_invite_check(request: AuthedRequest, pk: int) -> JsonResponse:
    """For the invite box's script, as the selection changes: how many people the selection
    would newly invite, the seats left, and the warning when those are more than the seats."""
    session, membership = _managed(request, pk)
    form = InviteForm(request.GET, session=session, can_invite_groups=membership.is_manager)
    chosen = form.invitees_chosen() if form.is_valid() else services.Invitees()
    people = len(
        selectors.new_invitees(
            session=session,
            invited_by=request.user,
            people=[person.pk for person in chosen.people],
            cohorts=[cohort.pk for cohort in chosen.cohorts],
            tags=[tag.pk for tag in chosen.tags],
            everyone=chosen.everyone,
        )
    )
    spots_left = session.state.spots_left  # type: ignore[attr-defined]
    return JsonResponse(
        {
            "selected": people,
            "spots_left": spots_left,
            "warning": seats_warning(spots_left=spots_left, people=people),
        }
    )


def _in_readers_zone(request: HttpRequest, participant: Participant) -> AbstractContextManager[object]:
    """A page opened from an email's link shows times as the email did while the browser has
    not told its zone yet (a member who never signed in: their program's zone)."""
    if getattr(request, "timezone_known", True):
        return nullcontext()
    program_zone = participant.session.program.time_zone
    return timezone.override(zone_for(user=participant.user, program_zone=program_zone))


def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    """Answer an invitation from the email's link, signed in or not. GET shows the question;
    POST answers it (so mail scanners that open links change nothing). A link acts once, on the
    state it was sent for; after that, or once the session is cancelled or over, it shows how
    things stand now."""
    link = rsvp_read(token)
    participant = selectors.participant_get(pk=link.participant_id) if link else None
    if link is None or participant is None:
        return render(request, "groupsessions/rsvp_invalid.html", status=404)
    now = timezone.now()
    answered = None
    if request.method == "POST":
        try:
            answered = services.invitation_answer(
                participant_id=participant.pk, action=link.action, version=link.version, now=now
            )
        except services.SessionError as error:
            messages.error(request, error.message)
        participant = selectors.participant_get(pk=participant.pk) or participant
    session = selectors.session_with_counts(pk=participant.session_id)
    participant.session = session
    can_answer = answered is None and services.invitation_answerable(
        participant=participant, version=link.version, now=now
    )
    with _in_readers_zone(request, participant):
        return render(
            request,
            "groupsessions/rsvp.html",
            {
                "participant": participant,
                "session": session,
                "phase": session.phase(now),
                "state": session.state_at(now),
                "action": link.action,
                "answered": answered,
                "can_answer": can_answer,
            },
            # A POST that changed nothing (the link was used, or things changed since it was sent).
            status=409 if request.method == "POST" and answered is None and not can_answer else 200,
        )


PROFILE_SESSIONS = 10


@login_required
def profile(request: AuthedRequest, pk: int) -> HttpResponse:
    """A person's page: who they are, the programs the viewer shares with them, and the
    upcoming sessions they host that the viewer can see."""
    person = person_get_visible(viewer=request.user, pk=pk)
    return render(
        request,
        "accounts/profile.html",
        {
            "person": person,
            "memberships": shared_memberships(viewer=request.user, person=person),
            "sessions": selectors.for_display(
                selectors.upcoming_hosted_by(host=person, viewer=request.user)[:PROFILE_SESSIONS],
                user=request.user,
            ),
            "nav_section": "profile",
        },
    )


@login_required
def program_detail(request: AuthedRequest, slug: str) -> HttpResponse:
    """The program's page: its upcoming sessions."""
    membership = membership_get(user=request.user, slug=slug)
    page, query = paginate(
        request,
        selectors.sessions_for_program(program=membership.program, tab=selectors.FUTURE, with_cancelled=True),
    )
    return render(
        request,
        "programs/detail.html",
        {
            "program": membership.program,
            "current_program": membership.program,
            "nav_section": "program",
            "membership": membership,
            "sessions": selectors.for_display(page.object_list, user=request.user),
            "page": page,
            "query": query,
        },
    )


@login_required
def program_leave(request: AuthedRequest, slug: str) -> HttpResponse:
    """The program page's "Leave this program": GET asks to confirm, POST leaves. It lives here,
    not in programs, because leaving also gives up places in the program's sessions."""
    membership = membership_get(user=request.user, slug=slug)
    program = membership.program
    if request.method == "POST":
        try:
            services.member_leave_program(program=program, user=request.user)
        except services.SessionError as error:
            messages.error(request, error.message)
            return redirect(program)
        messages.success(request, f"You left {program.name}.")
        return redirect("home")
    return render(
        request,
        "programs/leave.html",
        {"program": program, "current_program": program, "nav_section": "program"},
    )


@login_required
def session_calendar(request: AuthedRequest, pk: int) -> HttpResponse:
    session, _ = selectors.session_get_visible(user=request.user, pk=pk)
    me = selectors.participant_for(session=session, user=request.user)
    join_url = request.build_absolute_uri(me.join_path()) if me and me.has_seat else ""
    response = HttpResponse(
        ics.session_download(session, now=timezone.now(), join_url=join_url),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    return response


# ---- The call and after it --------------------------------------------------------------------


def join_call(request: HttpRequest, token: str) -> HttpResponse:
    """A participant's own join link (from the emails, the calendar and the session page).
    Before the call opens it shows when it will, with a countdown; while it is open it records
    that the person came and sends them into the room; afterwards it says the session ended."""
    participant = selectors.participant_by_join_token(token=token)
    if participant is None:
        return render(request, "groupsessions/join_invalid.html", status=404)
    session = participant.session
    now = timezone.now()
    phase = session.phase(now)
    error = None
    if request.user.is_authenticated and request.user.pk != participant.user_id:
        # A forwarded link: whoever is signed in here is not the person it was made for.
        return render(request, "groupsessions/join_not_yours.html", {"session": session}, status=403)
    if participant.has_seat and phase.call_open:
        try:
            address = services.participant_enter_call(participant=participant, now=now)
        except services.SessionError as refused:
            error = refused.message
        else:
            into_call = redirect(address)
            into_call["Cache-Control"] = "no-store"
            into_call["Referrer-Policy"] = "no-referrer"
            return into_call
    response = render(
        request,
        "groupsessions/join.html",
        {"participant": participant, "session": session, "phase": phase, "error": error},
        status=503 if error else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def session_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    session, _ = _managed(request, pk)
    ids = set(only_ids(request.POST.getlist("attended")))
    try:
        changed = services.attendance_update(session=session, actor=request.user, attended_ids=ids)
    except services.SessionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Attendance saved." if changed else "Attendance unchanged.")
    return redirect(session)


@login_required
def session_resources(request: AuthedRequest, pk: int) -> HttpResponse:
    session, _ = _managed(request, pk)
    form = ResourcesForm(
        request.POST or None,
        initial={"recording_url": session.recording_url, "resources_note": session.resources_note},
    )
    if request.method == "POST" and form.is_valid():
        first_time = session.resources_shared_at is None
        try:
            session = services.session_share_resources(
                session=session,
                actor=request.user,
                recording_url=form.cleaned_data["recording_url"],
                note=form.cleaned_data["resources_note"],
            )
        except services.SessionError as error:
            form.add_service_error(error)
        else:
            shared = first_time and session.resources_shared_at is not None
            messages.success(request, "Shared! Participants will get an email." if shared else "Saved!")
            return redirect(session)
    return render(request, "groupsessions/resources.html", {"form": form, "session": session})


def _feedback_page(
    request: HttpRequest, participant: Participant, *, action_url: str, preselect: str = ""
) -> HttpResponse:
    """Rate a session: GET shows the form (a rating from the email link preselected), POST
    saves it. Opening the page changes nothing, so mail scanners cannot answer for anyone."""
    session = participant.session
    refusal = services.feedback_refusal(participant=participant, now=timezone.now())
    if refusal:
        return render(
            request,
            "groupsessions/feedback.html",
            {"session": session, "participant": participant, "refusal": refusal},
            status=400 if request.method == "POST" else 200,
        )
    existing = selectors.feedback_of(participant=participant)
    initial = {"rating": existing.rating, "comment": existing.comment} if existing else {}
    if preselect in {"1", "2", "3", "4", "5"}:
        initial["rating"] = int(preselect)
    form = FeedbackForm(request.POST or None, initial=initial)
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_give(
                participant=participant,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except services.SessionError as error:
            form.add_service_error(error)
        else:
            saved = True
    return render(
        request,
        "groupsessions/feedback.html",
        {
            "form": form,
            "session": session,
            "participant": participant,
            "existing": existing,
            "saved": saved,
            "action_url": action_url,
        },
        status=200 if form.is_valid() or not form.is_bound else 400,
    )


@login_required
def session_feedback(request: AuthedRequest, pk: int) -> HttpResponse:
    session, _ = selectors.session_get_visible(user=request.user, pk=pk)
    me = selectors.participant_for(session=session, user=request.user)
    if me is None or not me.has_seat:
        raise Http404("No such session.")
    return _feedback_page(request, me, action_url=request.path, preselect=request.GET.get("rating", ""))


def feedback_link(request: HttpRequest, token: str) -> HttpResponse:
    """The email's rating links: they work signed out, for that one person only."""
    participant_id = feedback_read(token)
    participant = selectors.participant_get(pk=participant_id) if participant_id else None
    if participant is None:
        return render(request, "groupsessions/rsvp_invalid.html", status=404)
    with _in_readers_zone(request, participant):
        return _feedback_page(
            request, participant, action_url=request.path, preselect=request.GET.get("rating", "")
        )


def _callback_session_id(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=services.CALLBACK_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


@csrf_exempt
def call_ended(request: HttpRequest, token: str) -> HttpResponse:  # noqa: ARG001 - a view's request
    """BigBlueButton calls this when the meeting ends (its `meta_endCallbackUrl`)."""
    session = selectors.session_for_callback(pk=_callback_session_id(token))
    if session is None:
        raise Http404("Unknown callback.")
    services.session_call_ended(session_id=session.pk)
    return HttpResponse("ok", content_type="text/plain")


@csrf_exempt
@require_POST
def call_analytics(request: HttpRequest, token: str) -> HttpResponse:
    """BigBlueButton posts who was there and for how long (its analytics callback), signed
    with the program's shared secret."""
    session_id = _callback_session_id(token)
    session = selectors.session_for_callback(pk=session_id)
    if session is None or not session.program.bbb_secret:
        raise Http404("Unknown callback.")
    try:
        minutes = video.bbb_analytics_minutes(
            body=request.body[:1_000_000],
            authorization=request.headers.get("Authorization", ""),
            secret=session.program.bbb_secret,
        )
    except video.VideoError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    services.participants_record_minutes(session_id=session.pk, minutes=minutes)
    return HttpResponse("ok", content_type="text/plain")
