"""No email gives away another person's address: not in its headers, its text, its HTML or its
calendar file, and every calendar file names its recipient as the only attendee."""

import re

import pytest
from django.core import mail

from tests.notifications.conftest import attachment_texts, attendees, calendar, has_calendar, html, the_event


def everything_in(message) -> str:
    """All a recipient can read: headers, subject, text, HTML and attachments."""
    raw_headers = message.message().as_string().split("\n\n", 1)[0]
    return "\n".join([raw_headers, message.subject, message.body, html(message), *attachment_texts(message)])


def mentions(text: str, address: str) -> bool:
    """Whether `address` appears whole (person1@… is not found inside person11@…)."""
    return re.search(rf"(?<![\w.+-]){re.escape(address)}(?![\w.-])", text, re.IGNORECASE) is not None


def test_no_email_shows_another_participants_address(tour):
    addresses = {person.email.lower() for person in [*tour.people, tour.manager]}
    assert len(mail.outbox) > 20

    for message in mail.outbox:
        (recipient,) = message.recipients()  # To, Cc and Bcc together: one person
        assert message.to == [recipient]
        assert message.cc == []
        assert message.bcc == []
        assert message.reply_to == []
        others = addresses - {recipient.lower()}
        text = everything_in(message)
        assert mentions(text, recipient)  # so the search finds an address that is there
        for address in others:
            assert not mentions(text, address), f"{address} appears in {message.subject!r} to {recipient}"


@pytest.mark.usefixtures("tour")
def test_every_calendar_file_names_only_its_recipient():
    with_calendar = [message for message in mail.outbox if has_calendar(message)]
    # Confirmations, a promotion, a leave, updates and cancellations all carry one.
    assert len(with_calendar) >= 7

    for message in with_calendar:
        event = the_event(calendar(message))
        assert attendees(event) == [message.to[0].lower()], message.subject
        organizer = str(event["ORGANIZER"]).removeprefix("mailto:")
        assert organizer == "noreply@mentorcircle.local"  # the platform's, not the host's


@pytest.mark.parametrize("kind_subject", ["registered for", "declined:", "Registrations update:"])
def test_the_host_learns_names_not_addresses(tour, kind_subject):
    notes = [m for m in mail.outbox if m.to == [tour.host.email] and kind_subject in m.subject]
    assert notes
    for note in notes:
        for person in (tour.accepted, tour.declined, tour.left, tour.promoted):
            assert not mentions(everything_in(note), person.email)
