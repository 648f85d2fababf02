"""Every email MentorCircle sends is one named function here.

Each renders its text and HTML from templates under templates/emails/, in the reader's time
zone. Session emails go through `send_once`, which records a Delivery under a unique key in the
same transaction as the send, so a retried or duplicated task never mails anyone twice.
"""

import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from mentorcircle.accounts.models import User
from mentorcircle.core.templatetags.when import format_when
from mentorcircle.groupsessions.models import Feedback, GroupSession, Participant
from mentorcircle.groupsessions.selectors import seats_taken
from mentorcircle.groupsessions.tokens import feedback_token, rsvp_token
from mentorcircle.notifications import ics
from mentorcircle.notifications.models import Delivery, preferences_for
from mentorcircle.programs.models import Membership


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _zone(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def one_line(text: str) -> str:
    """Text safe in an email header: line breaks and other control characters become spaces."""
    return " ".join(
        "".join(" " if ord(char) < 32 or char in "\u2028\u2029\x7f" else char for char in text).split()
    )


def send(name: str, to: str, context: dict[str, Any]) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    subject = one_line(render_to_string(f"emails/{name}/subject.txt", context))
    text = render_to_string(f"emails/{name}/body.txt", context)
    html = render_to_string(f"emails/{name}/body.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_member_invitation(*, membership_id: int, invited_by_name: str) -> None:
    """Tell a person they were added to a program; new people get a link to set a password."""
    membership = Membership.objects.select_related("user", "program").filter(pk=membership_id).first()
    if membership is None:
        return
    user = membership.user
    if user.has_usable_password():
        action_url = absolute_url(reverse("account_login"))
        needs_setup = False
    else:
        key = default_token_generator.make_token(user)
        path = reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
        )
        action_url = absolute_url(path)
        needs_setup = True
    send(
        "member_invitation",
        user.email,
        {
            "user": user,
            "program": membership.program,
            "role": membership.get_role_display(),
            "invited_by_name": invited_by_name,
            "action_url": action_url,
            "needs_setup": needs_setup,
        },
    )


# ---- Session emails ---------------------------------------------------------------------------


@dataclass
class SessionEmail:
    kind: str
    subject: str
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, absolute url)
    ratings: list[tuple[str, str]] = field(default_factory=list)  # a row of equal buttons
    calendar: bytes | None = None
    calendar_method: str = "REQUEST"


def send_once(*, key: str, user: User, session: GroupSession, email: SessionEmail) -> bool:
    """Send unless a Delivery with this key exists. Returns whether it was sent now."""
    try:
        with transaction.atomic():
            Delivery.objects.create(key=key[:200], user=user, kind=email.kind, session=session)
            _deliver(user=user, session=session, email=email)
    except IntegrityError:
        return False
    return True


def _deliver(*, user: User, session: GroupSession, email: SessionEmail) -> None:
    with timezone.override(_zone(user)):
        context = {
            "user": user,
            "session": session,
            "email": email,
            "session_url": ics.session_url(session),
            "preferences_url": absolute_url(reverse("notifications:preferences")),
            "zone": timezone.get_current_timezone_name(),
        }
        text = render_to_string("emails/session/body.txt", context)
        html = render_to_string("emails/session/body.html", context)
    message = EmailMultiAlternatives(subject=one_line(email.subject), body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    if email.calendar is not None:
        message.attach(
            "invite.ics",
            email.calendar,
            f"text/calendar; method={email.calendar_method}",
        )
    message.send()


def join_url(participant: Participant) -> str:
    """The person's own, stable join link (never the room's address)."""
    return absolute_url(participant.join_path())


def _join_action(participant: Participant) -> tuple[str, str]:
    return ("Join the call", join_url(participant))


def _call_paragraph(participant: Participant, user: User) -> str:
    session = participant.session
    with timezone.override(_zone(user)):
        opens = format_when(session.join_opens_at)
    return f"Your personal link to the call opens on {opens}: {join_url(participant)} (keep it to yourself)."


def _when(session: GroupSession, user: User) -> str:
    with timezone.override(_zone(user)):
        return format_when(session.starts_at)


def registration_confirmed(participant: Participant, *, event: str) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="registered",
        subject=f"You're registered: {session.title}",
        heading="You're registered",
        paragraphs=[
            f"See you at “{session.title}” on {_when(session, user)}.",
            _call_paragraph(participant, user),
        ],
        actions=[("View the session", ics.session_url(session)), _join_action(participant)],
        calendar=ics.session_invite(
            session, attendee=user, now=timezone.now(), join_url=join_url(participant)
        ),
    )
    return send_once(key=f"registered:{participant.pk}:{event}", user=user, session=session, email=email)


def waitlisted(participant: Participant, *, event: str) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="waitlisted",
        subject=f"You're on the waitlist: {session.title}",
        heading="You're on the waitlist",
        paragraphs=[
            f"“{session.title}” on {_when(session, user)} is full, so you're on the waitlist.",
            "When a seat frees up, the first in line gets it automatically and is told by email.",
        ],
        actions=[("View the session", ics.session_url(session))],
    )
    return send_once(key=f"waitlisted:{participant.pk}:{event}", user=user, session=session, email=email)


def promoted(participant: Participant, *, event: str) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="promoted",
        subject=f"A seat freed up: you're registered for {session.title}",
        heading="You're off the waitlist",
        paragraphs=[
            f"A seat freed up: you're now registered for “{session.title}” on {_when(session, user)}.",
            _call_paragraph(participant, user),
        ],
        actions=[("View the session", ics.session_url(session)), _join_action(participant)],
        calendar=ics.session_invite(
            session, attendee=user, now=timezone.now(), join_url=join_url(participant)
        ),
    )
    return send_once(key=f"promoted:{participant.pk}:{event}", user=user, session=session, email=email)


def left(participant: Participant, *, event: str) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="left",
        subject=f"You left: {session.title}",
        heading="You're no longer registered",
        paragraphs=[f"You left “{session.title}” on {_when(session, user)}. You can join again any time."],
        actions=[("View the session", ics.session_url(session))],
        calendar=ics.session_cancel(session, attendee=user, now=timezone.now()),
        calendar_method="CANCEL",
    )
    return send_once(key=f"left:{participant.pk}:{event}", user=user, session=session, email=email)


def host_new_registration(participant: Participant, *, event: str) -> bool:
    session = participant.session
    host = session.host
    if not preferences_for(host).new_registration_emails:
        return False
    spots_left = max(session.max_participants - seats_taken(session), 0)
    email = SessionEmail(
        kind="host-registration",
        subject=f"{participant.user.display_name} registered for {session.title}",
        heading="New registration",
        paragraphs=[
            f"{participant.user.display_name} registered for “{session.title}” on {_when(session, host)}.",
            f"{spots_left} spot{'s' if spots_left != 1 else ''} left.",
        ],
        actions=[("See who's coming", ics.session_url(session))],
    )
    return send_once(
        key=f"host-registration:{participant.pk}:{event}", user=host, session=session, email=email
    )


def host_declined(participant: Participant, *, event: str) -> bool:
    session = participant.session
    host = session.host
    email = SessionEmail(
        kind="host-declined",
        subject=f"{participant.user.display_name} declined: {session.title}",
        heading="Invitation declined",
        paragraphs=[f"{participant.user.display_name} declined your invitation to “{session.title}”."],
        actions=[("View the session", ics.session_url(session))],
    )
    return send_once(key=f"host-declined:{participant.pk}:{event}", user=host, session=session, email=email)


def invitation(participant: Participant) -> bool:
    session, user = participant.session, participant.user
    inviter = participant.invited_by.display_name if participant.invited_by else session.host.display_name
    accept = absolute_url(
        reverse("groupsessions:rsvp", args=[rsvp_token(participant_id=participant.pk, action="accept")])
    )
    decline = absolute_url(
        reverse("groupsessions:rsvp", args=[rsvp_token(participant_id=participant.pk, action="decline")])
    )
    email = SessionEmail(
        kind="invitation",
        subject=f"{inviter} invited you: {session.title}",
        heading="You're invited",
        paragraphs=[
            f"{inviter} invited you to “{session.title}”, a group session on {_when(session, user)} "
            f"({session.duration_label}), hosted by {session.host.display_name}.",
            "Will you attend? Your answer counts toward the session's minimum and maximum.",
        ],
        actions=[("Accept", accept), ("Decline", decline), ("View the session", ics.session_url(session))],
    )
    return send_once(key=f"invitation:{participant.pk}", user=user, session=session, email=email)


def session_updated(participant: Participant) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="updated",
        subject=f"Updated: {session.title}",
        heading="The session changed",
        paragraphs=[f"“{session.title}” is now on {_when(session, user)} ({session.duration_label})."]
        + (["Your calendar invite is updated."] if participant.has_seat else []),
        actions=[("View the session", ics.session_url(session))]
        + ([_join_action(participant)] if participant.has_seat else []),
        calendar=ics.session_invite(
            session, attendee=user, now=timezone.now(), join_url=join_url(participant)
        )
        if participant.has_seat
        else None,
    )
    return send_once(
        key=f"updated:{participant.pk}:v{session.version}", user=user, session=session, email=email
    )


def session_cancelled(participant: Participant) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="cancelled",
        subject=f"Cancelled: {session.title}",
        heading="The session is cancelled",
        paragraphs=[
            f"“{session.title}” on {_when(session, user)} is cancelled.",
            f"Reason: {session.cancel_reason}",
        ],
        actions=[("View the session", ics.session_url(session))],
        calendar=ics.session_cancel(session, attendee=user, now=timezone.now())
        if participant.has_seat
        else None,
        calendar_method="CANCEL",
    )
    return send_once(
        key=f"cancelled:{participant.pk}:v{session.version}", user=user, session=session, email=email
    )


def session_confirmed(participant: Participant) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="confirmed",
        subject=f"Confirmed: {session.title} will be held",
        heading="It's on",
        paragraphs=[
            f"Enough people registered: “{session.title}” will be held on {_when(session, user)}.",
            _call_paragraph(participant, user),
        ],
        actions=[("View the session", ics.session_url(session)), _join_action(participant)],
    )
    return send_once(
        key=f"confirmed:{participant.pk}:v{session.version}", user=user, session=session, email=email
    )


def reminder(participant: Participant, *, which: str) -> bool:
    session, user = participant.session, participant.user
    lead = "tomorrow" if which == "24h" else "in 1 hour"
    email = SessionEmail(
        kind=f"reminder-{which}",
        subject=f"Reminder: {session.title} starts {lead}",
        heading=f"Starting {lead}",
        paragraphs=[
            f"“{session.title}” starts {lead}: {_when(session, user)} ({session.duration_label}).",
            _call_paragraph(participant, user),
        ],
        actions=[_join_action(participant), ("View the session", ics.session_url(session))],
    )
    stamp = session.starts_at.astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M")
    return send_once(
        key=f"reminder-{which}:{participant.pk}:{stamp}", user=user, session=session, email=email
    )


# ---- After the session ------------------------------------------------------------------------


def feedback_request(participant: Participant) -> bool:
    """How was it? to one attendee: a click on a rating opens a page that asks to confirm it."""
    session, user = participant.session, participant.user
    token = feedback_token(participant_id=participant.pk)
    page = absolute_url(reverse("groupsessions:feedback_link", args=[token]))
    email = SessionEmail(
        kind="feedback",
        subject=f"How was {session.title}?",
        heading=f"How was “{session.title}”?",
        paragraphs=[
            "Thanks for coming. Pick a rating (1 = poor, 5 = excellent), then confirm it on the next "
            "page, where you can add a comment. The host sees ratings and comments without names.",
        ],
        ratings=[(str(rating), f"{page}?rating={rating}") for rating in Feedback.RATINGS],
    )
    return send_once(key=f"feedback:{participant.pk}", user=user, session=session, email=email)


def _resources_paragraphs(session: GroupSession) -> list[str]:
    paragraphs = []
    if session.recording_url:
        paragraphs.append(f"Recording: {session.recording_url}")
    if session.resources_note:
        paragraphs.append(f"From the host: {session.resources_note}")
    return paragraphs


def resources_shared(participant: Participant) -> bool:
    session, user = participant.session, participant.user
    email = SessionEmail(
        kind="resources",
        subject=f"The recording and notes of {session.title}",
        heading="The recording and notes are here",
        paragraphs=[
            f"The host shared what was covered in “{session.title}”.",
            *_resources_paragraphs(session),
        ],
        actions=[("Open the session page", ics.session_url(session))],
    )
    return send_once(key=f"resources:{participant.pk}", user=user, session=session, email=email)


def missed_session(participant: Participant) -> bool:
    """The "Sorry we missed you" email to someone who registered but did not come."""
    session, user = participant.session, participant.user
    if not preferences_for(user).missed_session_emails:
        return False
    email = SessionEmail(
        kind="missed",
        subject=f"Sorry we missed you: {session.title}",
        heading="Sorry we missed you",
        paragraphs=[
            f"You were registered for “{session.title}” but we didn't see you there. "
            "Here is what you missed, so you can catch up.",
            *_resources_paragraphs(session),
        ],
        actions=[("Open the session page", ics.session_url(session))],
    )
    return send_once(key=f"missed:{participant.pk}", user=user, session=session, email=email)
