"""Markdown to HTML that is safe to show to anyone, portal visitors included.

markdown-it-py renders CommonMark (plus tables and strikethrough) and lets authors use raw
HTML such as <kbd> or <details>; nh3 (the ammonia sanitiser) then keeps only the tags,
attributes and URL schemes listed here. Sanitising the *output* rather than the input means
whatever the Markdown parser produces (including from links, images and raw HTML blocks)
passes the same allow-list.
"""

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6",
    "strong", "em", "b", "i", "u", "del", "s", "sup", "sub", "mark", "small",
    "code", "pre", "kbd", "blockquote", "ul", "ol", "li", "dl", "dt", "dd",
    "a", "img", "table", "thead", "tbody", "tr", "th", "td", "details", "summary",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "ol": {"start"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto"}
# Dropped together with their content, not just unwrapped: their text is code or styling.
DROPPED_WITH_CONTENT = {"script", "style", "noscript", "template", "iframe", "object", "svg"}
LINK_REL = "noopener noreferrer nofollow"

_parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def render_markdown(text: str) -> SafeString:
    raw = _parser.render(text or "")
    clean = nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROPPED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(clean)  # sanitised by nh3 just above
