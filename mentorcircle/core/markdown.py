"""Markdown rendered safely and in linear time.

cmark (GitHub's CommonMark reference implementation, in C) parses in time linear in the input,
so no description can pin a CPU; its safe mode drops raw HTML and unsafe links, and nh3 then
keeps only the tags below. Rendered HTML is stored with the text it came from (see the session
services), not rendered per view.
"""

import html
import re

import cmarkgfm
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h1", "h2", "h3", "h4", "hr",
}  # fmt: skip


# Block containers nested deeper than this are no real description, and the sanitiser's time
# grows with the square of the nesting depth: such text is shown as plain text instead.
MAX_NESTING = 32
CONTAINER_TAG = re.compile(r"<(/?)(?:blockquote|ul|ol|li)\b[^>]*>")


def _too_deep(rendered: str) -> bool:
    depth = 0
    for match in CONTAINER_TAG.finditer(rendered):
        depth += -1 if match.group(1) else 1
        if depth > MAX_NESTING:
            return True
    return False


def render_markdown(text: str) -> str:
    rendered = cmarkgfm.markdown_to_html(text or "")
    if _too_deep(rendered):
        rendered = "".join(
            f"<p>{html.escape(line)}</p>" for line in (text or "").splitlines() if line.strip()
        )
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "ol": {"start"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
