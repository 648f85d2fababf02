"""Plain events: an app says what happened; the apps above it decide what follows.

Dependencies point one way (docs/architecture.md): a lower app never imports a higher one. When
a change in a lower app should have effects that a higher app owns (group sessions changed, so
people are emailed), the lower app publishes a small frozen dataclass of IDs and values, and the
higher app subscribes to it in its `AppConfig.ready()`. Subscribers run after the surrounding
transaction commits, so they only ever see committed rows, and never inside a transaction.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

Handler = Callable[[Any], None]

_subscribers: defaultdict[type, list[Handler]] = defaultdict(list)


def subscribe(event_type: type, handler: Handler) -> None:
    """Call `handler(event)` for every published event of `event_type` (once, however often
    this is called with the same pair)."""
    if handler not in _subscribers[event_type]:
        _subscribers[event_type].append(handler)


def publish(event: object) -> None:
    """Hand `event` to its subscribers once the current transaction has committed (at once
    when none is open). Nothing happens if the transaction rolls back."""

    def deliver() -> None:
        for handler in _subscribers[type(event)]:
            handler(event)

    transaction.on_commit(deliver)


def subscribers(event_type: type) -> list[Handler]:
    """Who handles `event_type` (for tests: every published event must have a subscriber)."""
    return list(_subscribers[event_type])
