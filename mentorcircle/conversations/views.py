from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mentorcircle.accounts.http import AuthedRequest
from mentorcircle.conversations import selectors, services
from mentorcircle.conversations.forms import NewMessageForm, ReplyForm, ReportForm, ShareForm
from mentorcircle.conversations.models import Message
from mentorcircle.conversations.rules import Access, may_moderate_message
from mentorcircle.core.ids import is_id
from mentorcircle.core.pagination import paginate
from mentorcircle.core.refusals import Refused
from mentorcircle.core.templatetags.when import when_date
from mentorcircle.groupsessions import selectors as session_selectors
from mentorcircle.groupsessions.models import Participant
from mentorcircle.groupsessions.views import member_suggestions_json
from mentorcircle.programs.models import Program
from mentorcircle.programs.selectors import memberships_of
from mentorcircle.programs.views import manager_view

INBOX_PER_PAGE = 20
# The live updates look for removals again this long after them (one committed while a poll was
# reading is not missed); showing a message as removed twice changes nothing.
REMOVAL_OVERLAP = timedelta(seconds=10)


def _wants_json(request: HttpRequest) -> bool:
    """The conversation page's script sends its replies with fetch and asks for JSON back."""
    return "application/json" in request.headers.get("Accept", "")


def _id(value: str | None) -> int | None:
    return int(value) if value and is_id(value) else None


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    page, query = paginate(request, selectors.listed_for(user=request.user), per_page=INBOX_PER_PAGE)
    return render(
        request,
        "conversations/inbox.html",
        {
            "rows": selectors.for_inbox(list(page.object_list), user=request.user),
            "page": page,
            "query": query,
            "nav_section": "messages",
        },
    )


@login_required
def new(request: AuthedRequest) -> HttpResponse:
    programs = [membership.program for membership in memberships_of(user=request.user)]
    initial: dict[str, Any] = {}
    to = _id(request.GET.get("to"))
    if to is not None:
        initial["people"] = [to]
    program_id = _id(request.GET.get("program"))
    if program_id is not None:
        initial["program"] = program_id
    form = NewMessageForm(request.POST or None, programs=programs, initial=initial)
    if request.method == "POST" and programs and form.is_valid():
        try:
            message = services.conversation_start(
                program=form.cleaned_data["program"],
                creator=request.user,
                people=form.cleaned_data["people"],
                body=form.cleaned_data["body"],
            )
        except services.MessageError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Sent!")
            return redirect(message.conversation)
    return render(
        request,
        "conversations/new.html",
        {"form": form, "programs": programs, "nav_section": "messages"},
        status=400 if form.errors else 200,
    )


@login_required
def suggest(request: AuthedRequest) -> JsonResponse:
    """The message and share pickers' type-ahead: any member of the program may pick from it."""
    return member_suggestions_json(request, may_pick=lambda _membership: True)


# ---- A conversation --------------------------------------------------------------------------


def _page(
    request: AuthedRequest, found: Access, *, form: ReplyForm | None = None, status: int = 200
) -> HttpResponse:
    conversation = found.conversation
    before = _id(request.GET.get("before"))
    now = timezone.now()
    history = selectors.history(
        conversation=conversation, user=request.user, moderator=found.can_moderate, before=before, now=now
    )
    read_before = found.member.last_read_id if found.member else 0
    first_unread = next(
        (m.pk for m in history.messages if m.pk > read_before and m.author_id != request.user.pk), None
    )
    newest = history.messages[-1].pk if history.messages else 0
    if before is None:
        services.conversation_mark_read(conversation=conversation, user=request.user, up_to=newest, now=now)
    people = selectors.people_in(conversation=conversation)
    others = [person for person in people if person.pk != request.user.pk]
    blocked = selectors.blocked_by(user=request.user)
    direct_other = others[0] if conversation.kind == conversation.Kind.DIRECT and others else None
    return render(
        request,
        "conversations/detail.html",
        {
            "conversation": conversation,
            "access": found,
            "history": history,
            "first_unread": first_unread,
            "last_id": newest,
            "since": (now - REMOVAL_OVERLAP).isoformat(),
            "latest_page": before is None,
            "people": people,
            "others": others,
            "direct_other": direct_other,
            "blocked": blocked,
            "blocked_them": direct_other is not None and direct_other.pk in blocked,
            "form": form or ReplyForm(can_announce=found.can_announce),
            "muted": bool(found.member and found.member.muted),
            "nav_section": "messages",
        },
        status=status,
    )


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return _page(request, selectors.conversation_get_visible(user=request.user, pk=pk))


def _rendered(request: AuthedRequest, found: Access, messages: list[Message]) -> list[dict[str, Any]]:
    """Messages for the page's script: each as its HTML, with its day (when it differs from the
    message before, the script puts the same date divider as the history has)."""
    if not messages:
        return []
    context = {
        "conversation": found.conversation,
        "access": found,
        "blocked": selectors.blocked_by(user=request.user),
    }
    return [
        {
            "id": message.pk,
            "day": when_date(message.created_at),
            "html": render_to_string("conversations/_message.html", {**context, "m": message}, request),
        }
        for message in messages
    ]


@login_required
@require_POST
def reply(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.conversation_get_visible(user=request.user, pk=pk)
    form = ReplyForm(request.POST, can_announce=found.can_announce)
    if form.is_valid():
        try:
            message = services.message_post(
                conversation=found.conversation,
                author=request.user,
                body=form.cleaned_data["body"],
                kind=form.kind,
            )
        except services.NotFound:
            raise Http404("No such conversation.") from None
        except services.MessageError as error:
            form.add_service_error(error)
        else:
            if _wants_json(request):
                message = selectors.messages_after(
                    conversation=found.conversation,
                    user=request.user,
                    after=message.pk - 1,
                    moderator=found.can_moderate,
                )[0]
                return JsonResponse(_rendered(request, found, [message])[0])
            return redirect(f"{found.conversation.get_absolute_url()}#m{message.pk}")
    errors = [str(error) for errors in form.errors.values() for error in errors]
    if _wants_json(request):
        status = 429 if services.RATE_MESSAGE in errors else 400
        return JsonResponse({"errors": errors}, status=status)
    return _page(request, found, form=form, status=400)


def _since(value: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value or "")
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


@login_required
def poll(request: AuthedRequest, pk: int) -> JsonResponse:
    """The live updates: messages after `after` as HTML (`messages`), the messages up to it
    removed since `since` (`removed`, as they now show), whether the conversation is closed,
    and the `since` to ask with next time. Reading the new messages marks them read."""
    found = selectors.conversation_get_visible(user=request.user, pk=pk)
    after = _id(request.GET.get("after")) or 0
    since = _since(request.GET.get("since"))
    now = timezone.now()
    moderator = found.can_moderate
    new = selectors.messages_after(
        conversation=found.conversation, user=request.user, after=after, moderator=moderator, now=now
    )
    newest = new[-1].pk if new else after
    services.conversation_mark_read(conversation=found.conversation, user=request.user, up_to=newest, now=now)
    removed = []
    if since is not None and after:
        removed = selectors.removed_since(
            conversation=found.conversation, since=since, up_to=after, moderator=moderator
        )
    return JsonResponse(
        {
            "messages": _rendered(request, found, new),
            "removed": _rendered(request, found, removed),
            "closed": found.conversation.closed_reason,
            "since": (now - REMOVAL_OVERLAP).isoformat(),
        }
    )


def _next(request: HttpRequest, default: str) -> str:
    """The page the person came from (`next`, posted or in the address), if it is one of this
    site's; else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else default


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Back where the form came from (one of this site's pages), else to `default`."""
    return redirect(_next(request, default))


@login_required
@require_POST
def mute(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.conversation_get_visible(user=request.user, pk=pk)
    muted = request.POST.get("muted") == "1"
    services.conversation_mute(conversation=found.conversation, user=request.user, muted=muted)
    messages.success(request, "Muted: no emails about new messages here." if muted else "Unmuted.")
    return redirect(found.conversation)


@login_required
@require_POST
def leave(request: AuthedRequest, pk: int) -> HttpResponse:
    found = selectors.conversation_get_visible(user=request.user, pk=pk)
    try:
        services.conversation_leave(conversation=found.conversation, user=request.user)
    except services.MessageError as error:
        messages.error(request, error.message)
        return redirect(found.conversation)
    messages.success(request, "You left the conversation.")
    return redirect("conversations:inbox")


def _moderated(request: AuthedRequest, pk: int, message_pk: int) -> tuple[Access, Message]:
    """The message a program manager deals with: in a conversation they can read, or any message
    of the program with an open report (see rules.may_moderate_message); 404 for anyone who may
    see neither, and words for the people in the conversation who do not manage the program."""
    found = selectors.access(user=request.user, conversation=selectors.conversation_get(pk=pk))
    if not (found.can_read or found.is_manager):
        raise Http404("No such conversation.")
    message = selectors.message_get(conversation=found.conversation, pk=message_pk)
    if may_moderate_message(found, message=message, reported=selectors.has_open_reports(message=message)):
        return found, message
    if not found.can_read:
        raise Http404("No such conversation.")
    raise Refused(
        "Only the program's managers can remove messages or deal with reports.",
        hint="If a message is wrong, report it: the program's managers will look at it.",
        links=[("Back to the conversation", found.conversation.get_absolute_url())],
    )


def _after_moderating(request: HttpRequest, found: Access, message: Message) -> HttpResponse:
    """Back to the page the manager came from; else to the message, or, in a conversation they
    may not open, to Reported messages."""
    if found.can_read:
        return _back(request, f"{found.conversation.get_absolute_url()}#m{message.pk}")
    return _back(request, reverse("manage:reported_messages", args=[found.conversation.program.slug]))


@login_required
@require_POST
def remove(request: AuthedRequest, pk: int, message_pk: int) -> HttpResponse:
    found, message = _moderated(request, pk, message_pk)
    services.message_remove(message=message, actor=request.user)
    messages.success(request, "Message removed.")
    return _after_moderating(request, found, message)


@login_required
@require_POST
def keep(request: AuthedRequest, pk: int, message_pk: int) -> HttpResponse:
    found, message = _moderated(request, pk, message_pk)
    services.reports_resolve(message=message, actor=request.user)
    messages.success(request, "Kept. Its reports are closed.")
    return _after_moderating(request, found, message)


@login_required
def report(request: AuthedRequest, pk: int, message_pk: int) -> HttpResponse:
    found = selectors.conversation_get_visible(user=request.user, pk=pk)
    message = selectors.message_get(conversation=found.conversation, pk=message_pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_report(
                message=message, reporter=request.user, reason=form.cleaned_data["reason"]
            )
        except services.MessageError as error:
            form.add_service_error(error)
        else:
            messages.success(request, "Reported. The program's managers will look at it.")
            return redirect(f"{found.conversation.get_absolute_url()}#m{message.pk}")
    return render(
        request,
        "conversations/report.html",
        {
            "form": form,
            "conversation": found.conversation,
            "access": found,
            "m": message,
            "nav_section": "messages",
        },
        status=400 if form.errors else 200,
    )


@login_required
def for_session(request: AuthedRequest, pk: int) -> HttpResponse:
    """A session's conversation, from its page: for everyone seated and the program's managers."""
    session, membership = session_selectors.session_get_visible(user=request.user, pk=pk)
    seat = session_selectors.participant_for(session=session, user=request.user)
    if not (membership.is_manager or (seat is not None and seat.status in Participant.SEATED)):
        raise Refused(
            "The session's conversation is for the people with a seat in it.",
            hint="Join the session to take part.",
            links=[("Go to the session", session.get_absolute_url())],
        )
    return redirect(services.conversation_for_session(session=session))


@login_required
def share(request: AuthedRequest, pk: int) -> HttpResponse:
    """Share a session: each person picked gets a message holding its card (never an
    invitation). Anyone in the program may share; 404 for everyone else."""
    session, membership = session_selectors.session_get_visible(user=request.user, pk=pk)
    state = session.state  # type: ignore[attr-defined]
    if not state.phase.accepts_registrations:
        raise Refused(
            "Only sessions that have not ended and are not cancelled can be shared.",
            links=[("Go to the session", session.get_absolute_url())],
        )
    back = _next(request, session.get_absolute_url())
    form = ShareForm(request.POST or None, program=session.program, manages=membership.is_manager)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.session_share(
                session=session,
                sharer=request.user,
                people=[person.pk for person in data["people"]],
                cohorts=[cohort.pk for cohort in data.get("cohorts") or ()],
                tags=[tag.pk for tag in data.get("tags") or ()],
                everyone=bool(data.get("everyone")),
                note=data["body"],
            )
        except services.NotFound:
            raise Http404("No such session.") from None
        except services.MessageError as error:
            form.add_service_error(error)
        else:
            if result.shared or result.queued:
                notify = messages.warning if result.skipped else messages.success
                notify(request, _shared_words(result))
                return redirect(back)
            # Everyone picked was skipped: nobody got it, so the form stays to pick others.
            messages.error(request, _shared_words(result))
    return render(
        request,
        "conversations/share.html",
        {"form": form, "session": session, "back": back, "nav_section": "sessions"},
        status=400 if form.errors else 200,
    )


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _shared_words(result: services.ShareResult) -> str:
    if not (result.shared or result.queued):
        was = "was" if result.skipped == 1 else "were"
        return (
            f"Not shared: nobody got it. The {_people(result.skipped)} you picked {was} skipped: "
            "you cannot send messages to each other."
        )
    if result.queued:
        words = f"Sharing with {_people(result.queued)}: their messages go out in a moment."
    else:
        words = f"Shared with {_people(result.shared)}."
    if result.skipped:
        was = "was" if result.skipped == 1 else "were"
        words += f" {_people(result.skipped)} {was} skipped: you cannot send messages to each other."
    return words


# ---- Blocks -----------------------------------------------------------------------------------------


@login_required
def blocked(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "conversations/blocked.html",
        {"people": selectors.blocked_people(user=request.user), "nav_section": "messages"},
    )


@login_required
@require_POST
def block(request: AuthedRequest, user_pk: int) -> HttpResponse:
    try:
        person = services.block_create(blocker=request.user, blocked_id=user_pk)
    except services.NotFound:
        raise Http404("No such person.") from None
    except services.MessageError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"You blocked {person.name_for(request.user)}.")
    return _back(request, reverse("conversations:blocked"))


@login_required
@require_POST
def unblock(request: AuthedRequest, user_pk: int) -> HttpResponse:
    services.block_remove(blocker=request.user, blocked_id=user_pk)
    messages.success(request, "Unblocked.")
    return _back(request, reverse("conversations:blocked"))


# ---- Manager > Reported messages --------------------------------------------------------------


@manager_view
def reported(request: AuthedRequest, program: Program) -> HttpResponse:
    page, query = paginate(request, selectors.reported_messages(program=program))
    shown = list(page.object_list)
    reports = selectors.reports_of(messages=shown)
    openable = selectors.conversations_open_to(
        user=request.user, conversations=[message.conversation for message in shown]
    )
    return render(
        request,
        "conversations/reported.html",
        {
            "program": program,
            "rows": [
                (message, reports[message.pk], message.conversation_id in openable) for message in shown
            ],
            "page": page,
            "query": query,
            "nav_section": "reported_messages",
        },
    )
