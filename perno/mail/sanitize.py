"""HTML of e-mail, made safe to show (nh3, an allow-list sanitiser).

Only plain formatting survives: no scripts, styles, forms, frames, event handlers or
``style`` attributes (the pages' Content Security Policy forbids inline styles anyway),
links only to http(s), mailto and tel, with ``rel="noopener noreferrer nofollow"``.

Remote images (``http``/``https`` or protocol-relative sources) tell the sender when and
where a message was opened, so the HTML kept for display has none: their ``src`` is
removed and counted. When a message had any, a second version with them is kept, also
sanitised, for a user who asks to see the images. Images inside the message
(``cid:`` references to its attachments) and small ``data:`` images are kept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import nh3

TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "font",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "tt",
    "u",
    "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign", "scope"},
    "table": {"summary", "align"},
    "ol": {"start"},
    "blockquote": {"cite"},
    "*": {"dir", "lang"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "cid", "data"}
# Removed with their content (not only the tag).
CLEAN_CONTENT = {"script", "style", "head", "title", "noscript", "template", "iframe", "object"}
MAX_DATA_IMAGE = 200_000  # a data: image longer than this is dropped


def _remote(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered.startswith(("http:", "https:", "//"))


def _data_image(value: str) -> bool:
    lowered = value.strip().lower()
    return lowered.startswith("data:image/") and len(value) <= MAX_DATA_IMAGE


@dataclass
class Sanitised:
    html: str  # safe, without remote images
    with_images: str  # safe, remote images kept ("" when there were none)
    remote_images: int


def sanitise(markup: str) -> Sanitised:
    """Two safe versions of ``markup``: without remote images, and (only when it had
    some) with them."""
    blocked = 0

    def strict(tag: str, attribute: str, value: str) -> str | None:
        nonlocal blocked
        if tag == "img" and attribute == "src":
            if _remote(value):
                blocked += 1
                return None
            return _image_source(value)
        return _common(tag, attribute, value)

    def lenient(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return value if _remote(value) else _image_source(value)
        return _common(tag, attribute, value)

    html = _clean(markup, strict)
    with_images = _clean(markup, lenient) if blocked else ""
    return Sanitised(html=html, with_images=with_images, remote_images=blocked)


def _image_source(value: str) -> str | None:
    lowered = value.strip().lower()
    if lowered.startswith("cid:") or _data_image(value):
        return value
    return None


def _common(tag: str, attribute: str, value: str) -> str | None:
    if attribute in {"href", "cite"} and value.strip().lower().startswith(("data:", "cid:")):
        return None
    return value


def _clean(markup: str, attribute_filter: Callable[[str, str, str], str | None]) -> str:
    return nh3.clean(
        markup,
        tags=TAGS,
        clean_content_tags=CLEAN_CONTENT,
        attributes=ATTRIBUTES,
        attribute_filter=attribute_filter,
        strip_comments=True,
        link_rel="noopener noreferrer nofollow",
        url_schemes=URL_SCHEMES,
        url_relative="deny",
    )
