"""Text that must stay on one line: names and titles end up in email headers, calendar
fields and lists, where a line break or another control character does harm."""

import unicodedata

from django.core.exceptions import ValidationError

SINGLE_LINE_MESSAGE = "Use a single line, without line breaks or other control characters."


# Line and paragraph separators, and the bidirectional overrides and isolates that can make a
# title read differently from what it says (U+202A-202E, U+2066-2069).
NOT_IN_ONE_LINE = frozenset("\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def has_control_characters(value: str) -> bool:
    """Line breaks, tabs, NUL and the other control characters (Unicode category Cc), the line
    separators and the bidirectional overrides. Right-to-left marks (U+200E, U+200F) are fine:
    names in Arabic or Hebrew need them."""
    return any(unicodedata.category(char) == "Cc" or char in NOT_IN_ONE_LINE for char in value)


def single_line(value: str) -> None:
    if has_control_characters(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="single_line")


def as_single_line(value: str) -> str:
    """For imports: control characters become spaces and runs of spaces one space."""
    cleaned = "".join(" " if has_control_characters(char) else char for char in value)
    return " ".join(cleaned.split())
