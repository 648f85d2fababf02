"""Signed, expiring, single-purpose links in emails: answering an invitation, rating a session."""

from typing import NamedTuple

from django.core import signing

SALT = "mentorcircle.groupsessions.rsvp"
MAX_AGE = 60 * 60 * 24 * 30  # 30 days
ACTIONS = ("accept", "decline")


class RsvpLink(NamedTuple):
    participant_id: int
    action: str
    # The participant row's change stamp (Participant.version) when the link was sent: the link
    # acts only while the row is unchanged. None in links made before links carried it.
    version: str | None


def rsvp_token(*, participant_id: int, version: str, action: str) -> str:
    if action not in ACTIONS:
        raise ValueError(f"Unknown RSVP action {action!r}")
    return signing.dumps({"p": participant_id, "e": version, "a": action}, salt=SALT, compress=True)


def rsvp_read(token: str) -> RsvpLink | None:
    """What a valid, unexpired invitation link says; None otherwise."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("a") not in ACTIONS or not isinstance(data.get("p"), int):
        return None
    version = data.get("e")
    if version is not None and not isinstance(version, str):
        return None
    return RsvpLink(participant_id=data["p"], action=data["a"], version=version)


FEEDBACK_SALT = "mentorcircle.groupsessions.feedback"
FEEDBACK_MAX_AGE = 60 * 60 * 24 * 30  # the service closes feedback 14 days after the end


def feedback_token(*, participant_id: int) -> str:
    return signing.dumps({"p": participant_id}, salt=FEEDBACK_SALT, compress=True)


def feedback_read(token: str) -> int | None:
    """The participant id of a valid, unexpired feedback link; None otherwise."""
    try:
        data = signing.loads(token, salt=FEEDBACK_SALT, max_age=FEEDBACK_MAX_AGE)
    except signing.BadSignature:
        return None
    participant_id = data.get("p") if isinstance(data, dict) else None
    return participant_id if isinstance(participant_id, int) else None
