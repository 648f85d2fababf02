"""Every event group sessions and programs publish is handled: a change nobody hears of would
be an email nobody gets."""

import dataclasses
import inspect

import pytest

from mentorcircle.core.events import subscribers
from mentorcircle.groupsessions import events as session_events
from mentorcircle.programs import events as program_events

EVENTS = [
    cls
    for module in (session_events, program_events)
    for _, cls in inspect.getmembers(module, inspect.isclass)
    if dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__
]


def test_the_events_are_found():
    assert {cls.__name__ for cls in EVENTS} >= {"ParticipantRegistered", "SessionCancelled", "MembersAdded"}


@pytest.mark.parametrize("event_type", EVENTS, ids=lambda cls: cls.__name__)
def test_every_event_has_a_subscriber(event_type):
    assert subscribers(event_type)
