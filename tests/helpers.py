"""Small helpers for reading what a page shows."""

import html
import re

from django.http import HttpResponse


def page_text(response: HttpResponse) -> str:
    return html.unescape(response.content.decode())


def field_errors(response: HttpResponse, field: str) -> list[str]:
    """The error messages shown right under a form field (rendered by core/_field.html)."""
    pattern = rf'<p class="error" id="id_{re.escape(field)}_error">(.*?)</p>'
    return [html.unescape(message) for message in re.findall(pattern, response.content.decode(), re.S)]


def toasts(response: HttpResponse) -> list[str]:
    pattern = r'<p class="toast toast-[\w-]+">(.*?)</p>'
    return [html.unescape(message) for message in re.findall(pattern, response.content.decode(), re.S)]
