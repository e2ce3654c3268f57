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


def render(body: str, *, mentions: dict[str, int] | None = None) -> str:
    """Render a message body. `mentions` maps lower-cased display names that
    were mentioned to member ids; each `@name` becomes a highlighted span."""
    text = _BARE_URL.sub(lambda m: f"<{m.group(0)}>", body)
    html = _md.render(text)
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
