"""Descriptions: Markdown rendered safely, in linear time, once when saved."""

import time
from unittest import mock

import pytest
from django.urls import reverse

from mentorcircle.core.markdown import render_markdown
from mentorcircle.groupsessions import services
from mentorcircle.groupsessions.models import GroupSession
from tests.groupsessions.conftest import NOW, create_session, details
from tests.helpers import field_errors

# Inputs that make backtracking Markdown parsers quadratic or worse, at the longest a
# description may be.
PATHOLOGICAL = [
    "[", "![[", "[a](", "[]([](", "<", "*a ", "_a*", "a\n",
    "> ", ">", "- > ", "1. > ", "**", "`", "[x]: ", "&#",
]  # fmt: skip
LONGEST = services.MAX_DESCRIPTION


def fastest_of_five(text: str) -> float:
    """The CPU time of this thread (not the wall clock, which a busy machine stretches by
    whatever else runs) of the fastest of five renderings."""
    timings = []
    for _ in range(5):
        started = time.thread_time()
        render_markdown(text)
        timings.append(time.thread_time() - started)
    return min(timings)


def repeated(pattern: str, length: int) -> str:
    return (pattern * (length // len(pattern) + 1))[:length]


@pytest.mark.parametrize("pattern", PATHOLOGICAL)
def test_the_worst_inputs_take_time_in_proportion_to_their_length(pattern):
    # A quarter of the longest description against the whole of it: a linear renderer takes
    # about 4 times as long, a quadratic one 16 times (the old renderer took seconds). A ratio,
    # not a time, so a busy machine does not fail it; bench/markdown_render.py has the times.
    quarter = fastest_of_five(repeated(pattern, LONGEST // 4))
    whole = fastest_of_five(repeated(pattern, LONGEST))

    assert whole < 10 * max(quarter, 1e-4)


def test_absurdly_deep_nesting_is_shown_as_plain_text():
    html = render_markdown(">" * 5000 + " deep")

    assert "<blockquote>" not in html
    assert "deep" in html


def test_ordinary_nesting_keeps_its_structure():
    html = render_markdown("> quote\n>> nested\n\n- a\n  - b")

    assert html.count("<blockquote>") == 2
    assert html.count("<ul>") == 2


def test_scripts_raw_html_and_javascript_links_never_get_through():
    html = render_markdown(
        "**Bold**\n\n<script>alert(1)</script>\n\n<b onclick=x>raw</b> "
        "<img src=x onerror=alert(1)> [bad](javascript:alert(1)) [good](https://example.org)"
    )

    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.org"' in html
    for forbidden in ("<script", "<b ", "<img", "onerror", "onclick", "javascript:"):
        assert forbidden not in html


def test_a_description_over_10000_characters_is_refused_with_a_clear_message(personas):
    with pytest.raises(services.SessionError, match="10,000 characters or fewer"):
        create_session(personas.program, personas.mentor, description="x" * (LONGEST + 1))

    assert not GroupSession.objects.exists()


def test_the_form_shows_the_length_message_next_to_the_description(client, personas):
    client.force_login(personas.manager)

    response = client.post(
        reverse("manage:session_create", args=["alpha"]),
        {
            "program": personas.program.pk,
            "title": "Long",
            "description": "x" * (LONGEST + 1),
            "starts_at": "2099-01-01T10:00",
            "time_zone": "UTC",
            "duration_hours": "1",
            "duration_minutes": "0",
        },
    )

    assert field_errors(response, "description") == [
        "Keep the description to 10,000 characters or fewer (it has 10,001)."
    ]
    assert not GroupSession.objects.exists()


def test_the_rendered_description_is_stored_when_saved_and_not_rendered_per_view(client, personas):
    session = create_session(personas.program, personas.mentor, description="We practise **offers**.")
    assert session.description_html == "<p>We practise <strong>offers</strong>.</p>\n"
    client.force_login(personas.mentee)

    with mock.patch("mentorcircle.core.markdown.cmarkgfm.markdown_to_html", side_effect=AssertionError):
        page = client.get(session.get_absolute_url()).content.decode()

    assert "We practise <strong>offers</strong>." in page


def test_editing_the_description_renders_it_again(personas):
    session = create_session(personas.program, personas.mentor)

    services.session_update(
        session=session, actor=personas.mentor, details=details(description="Now *italic*."), now=NOW
    )

    session.refresh_from_db()
    assert session.description_html == "<p>Now <em>italic</em>.</p>\n"
