"""Message text to safe HTML: a small Markdown subset, then nh3.

Supported: **bold**, *italics*, [links](https://…), `inline code`, bullet and
numbered lists, line breaks. Raw HTML is shown as text, images as their
alt text; nh3 removes anything else a clever input could smuggle through.
"""

import re

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("zero", {"html": False, "linkify": False, "breaks": True, "typographer": False}).enable(
    ["emphasis", "link", "backticks", "list", "newline", "escape", "entity", "paragraph", "autolink"]
)

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "code", "ul", "ol", "li", "span"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
_BARE_URL = re.compile(r"(?<![(\[<\"'])\bhttps?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"]")


# A body with none of the characters the enabled rules act on (emphasis,
# links, code, escapes, entities, autolinks, line breaks) nor a bare URL, and
# that cannot open a list, is one paragraph of its text: what Markdown would
# make of it, without running Markdown (most chat messages; a test holds the
# two to the same output). nh3 still cleans it.
_MARKUP_FREE = re.compile(r"[^*_`\[\]\\&<>\x00-\x1f\x7f\u00a0]+")
_LIST_START = re.compile(r"[-+*]|\d{1,9}[.)]")


def _paragraph(body: str) -> str | None:
    if not body or body != body.strip() or not _MARKUP_FREE.fullmatch(body) or "://" in body or _LIST_START.match(body):
        return None
    return "<p>" + body.replace('"', "&quot;") + "</p>\n"


def render(body: str, *, mentions: dict[str, int] | None = None) -> str:
    """Render a message body. `mentions` maps lower-cased display names that
    were mentioned to member ids; each `@name` becomes a highlighted span."""
    html = _paragraph(body)
    if html is None:
        html = _md.render(_BARE_URL.sub(lambda m: f"<{m.group(0)}>", body))
    if mentions:
        for name in sorted(mentions, key=len, reverse=True):
            pattern = re.compile(r"(?<![\w@])@" + re.escape(name) + r"(?!\w)", re.IGNORECASE)
            html = pattern.sub(lambda m: f'<span class="mention">{m.group(0)}</span>', html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer",
        allowed_classes={"span": {"mention"}},
    ).strip()
