"""Small helpers for reading what a page shows."""

import html
import re

from django.http import HttpResponse


def page_text(response: HttpResponse) -> str:
    return html.unescape(response.content.decode())


def field_errors(response: HttpResponse, field: str) -> list[str]:
    """The error messages shown right under a form field (rendered by forms/field.html)."""
    pattern = rf'<p class="error" id="id_{re.escape(field)}_error(?:_\d+)?">(.*?)</p>'
    return [html.unescape(message) for message in re.findall(pattern, response.content.decode(), re.S)]


def error_summary(response: HttpResponse) -> list[tuple[str, str]]:
    """The refused form's summary at its top: (message, the field id it links to, or "")."""
    block = re.search(r"<div [^>]*data-error-summary[^>]*>(.*?)</div>", response.content.decode(), re.S)
    if not block:
        return []
    items = re.findall(r"<li>(.*?)</li>", block.group(1), re.S)
    linked = [re.fullmatch(r'\s*<a href="#([^"]*)">(.*?)</a>\s*', item, re.S) for item in items]
    return [
        (html.unescape(match.group(2)), match.group(1)) if match else (html.unescape(item.strip()), "")
        for item, match in zip(items, linked, strict=True)
    ]


def toasts(response: HttpResponse) -> list[str]:
    pattern = r'<p class="toast toast-[\w-]+">(.*?)</p>'
    return [html.unescape(message) for message in re.findall(pattern, response.content.decode(), re.S)]


def run_tasks(*, fail_on_error: bool = True) -> None:
    """Run every stored background task that is due now, as `manage.py db_worker` would.

    Works inside a test's transaction: the worker's connection recycling is switched off, and
    work a task hands on after its commit runs too. A task that raises fails the test with its
    traceback, unless `fail_on_error=False` (to look at a worker dying midway).
    """
    import signal
    from unittest import mock

    from django.core.management import call_command
    from django.test import TestCase
    from django_tasks_db.models import DBTaskResult

    failed_before = set(DBTaskResult.objects.failed().values_list("pk", flat=True))
    # The worker installs its own signal handlers; give the test run its own back afterwards.
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            handed_on = True
            while handed_on:  # until no task hands on more work after its commit
                with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
                    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
                handed_on = bool(callbacks)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    failed = DBTaskResult.objects.failed().exclude(pk__in=failed_before)
    if fail_on_error and failed:
        raise AssertionError("\n\n".join(f"{task.task_path} failed:\n{task.traceback}" for task in failed))
