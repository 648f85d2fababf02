"""Refusals and missing pages are answered, not logged as errors with a traceback."""

import logging

import pytest
from django.urls import reverse


@pytest.mark.usefixtures("personas")
def test_a_missing_page_and_a_refusal_log_no_traceback(client, personas, caplog):
    client.force_login(personas.mentee)

    with caplog.at_level(logging.DEBUG):
        missing = client.get(reverse("groupsessions:detail", args=[999_999]))
        refused = client.get(reverse("manage:members", args=[personas.program.slug]))

    assert (missing.status_code, refused.status_code) == (404, 403)
    request_records = [record for record in caplog.records if record.name == "django.request"]
    assert request_records == []
