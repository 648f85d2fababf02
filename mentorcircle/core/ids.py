"""Ids from URLs and forms: plain ASCII digits that fit a 64-bit key, or nothing.

`str.isdigit()` accepts "²" and "٣", and `<int:…>` any number of digits: both end in a 500
(a ValueError, or PostgreSQL's "out of range") instead of a 404.
"""

from typing import Any

from django import forms
from django.urls import register_converter

MAX_DIGITS = 18  # every 18-digit number fits PostgreSQL's bigint


def is_id(value: str) -> bool:
    return 0 < len(value) <= MAX_DIGITS and value.isascii() and value.isdigit()


def ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if is_id(value)]


class IdConverter:
    regex = f"[0-9]{{1,{MAX_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


class IdChoiceField(forms.ModelChoiceField[Any]):
    """A model choice whose value must look like an id before it reaches the database."""

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not is_id(str(value)):
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField[Any]):
    def _check_values(self, value: Any) -> Any:
        for item in value:
            if not is_id(str(item)):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": item}
                )
        return super()._check_values(value)  # type: ignore[misc]
