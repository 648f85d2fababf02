"""Markdown rendered safely and in linear time.

cmark (GitHub's CommonMark reference implementation, in C) parses in time linear in the input,
so no description can pin a CPU; its safe mode drops raw HTML and unsafe links, and nh3 then
keeps only the tags below. Rendered HTML is stored with the text it came from (see the session
services), not rendered per view.
"""

import cmarkgfm
import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h1", "h2", "h3", "h4", "hr",
}  # fmt: skip


def render_markdown(text: str) -> str:
    html = cmarkgfm.markdown_to_html(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "ol": {"start"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
