"""Text that must stay on one line: names and titles end up in email headers, calendar
fields and lists, where a line break or another control character does harm."""

import unicodedata

from django.core.exceptions import ValidationError

SINGLE_LINE_MESSAGE = "Use a single line, without line breaks or other control characters."


def has_control_characters(value: str) -> bool:
    """Line breaks, tabs, NUL and the other control characters (Unicode category Cc), and the
    Unicode line and paragraph separators. Right-to-left marks and other format characters
    are fine: names in Arabic or Hebrew need them."""
    return any(unicodedata.category(char) == "Cc" or char in "\u2028\u2029" for char in value)


def single_line(value: str) -> None:
    if has_control_characters(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="single_line")


def as_single_line(value: str) -> str:
    """For imports: control characters become spaces and runs of spaces one space."""
    cleaned = "".join(" " if has_control_characters(char) else char for char in value)
    return " ".join(cleaned.split())
