"""Article text to safe HTML.

Markdown (the common subset: headings, paragraphs, line breaks, bold, italic, inline code,
fenced code blocks, quotes, lists, rules, links and bare web addresses) or plain text.
HTML written inside Markdown is allowed but, like everything the renderer produces, goes
through ``nh3`` with a short list of tags and attributes: scripts, styles, frames, event
handlers and ``javascript:`` links are gone, links get ``rel="noopener noreferrer
nofollow"``. Images are not allowed (a remote image would tell its server who read the
article).

The renderer works line by line with simple patterns, each bounded by its line, so a
long or hostile text costs time linear in its length."""

from __future__ import annotations

import html
import re

import nh3

TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "u",
    "s",
    "del",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "kbd",
    "sub",
    "sup",
}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
REMOVED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
MAX_QUOTE_DEPTH = 4

_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}\d{1,9}[.)]\s+(.*)$")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(
    r"\[([^\[\]\n]{1,500})\]\(\s*([^\s()<>]{1,2000})(?:\s+\"([^\"\n]{0,200})\")?\s*\)"
)
_ANGLE_LINK = re.compile(r"<((?:https?|mailto):[^\s<>]{1,2000})>")
_BARE_URL = re.compile(r"(?<![\"'=>\w/])(https?://[^\s<>\"']{1,2000}[^\s<>\"'.,;:!?)\]])")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?!\*)|(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)"
)
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")


def sanitise(fragment: str) -> str:
    """``fragment`` with only the allowed tags, attributes and link schemes left."""
    return nh3.clean(
        fragment,
        tags=TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def render(body: str, fmt: str = "markdown") -> str:
    """The safe HTML of an article's text in ``fmt`` ("markdown" or "text")."""
    text = (body or "").replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    produced = _plain(text) if fmt == "text" else _blocks(text.split("\n"), 0)
    return sanitise(produced)


def text_of(fragment: str) -> str:
    """The readable text of rendered HTML (for snippets): tags removed, entities decoded,
    white space collapsed."""
    spaced = re.sub(r"<(?:/p|br|/li|/h\d|/pre|/blockquote|hr)\b[^>]*>", " ", fragment)
    return " ".join(html.unescape(nh3.clean(spaced, tags=set())).split())


def _link(url: str, text: str, title: str = "") -> str:
    attrs = f' href="{html.escape(url, quote=True)}"'
    if title:
        attrs += f' title="{html.escape(title, quote=True)}"'
    return f"<a{attrs}>{text}</a>"


def _plain(text: str) -> str:
    """Plain text: escaped, paragraphs at blank lines, line breaks kept, web addresses
    linked."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    out = []
    for paragraph in paragraphs:
        lines = [
            _autolink(html.escape(line, quote=False)) for line in paragraph.strip().split("\n")
        ]
        out.append("<p>" + "<br>\n".join(lines) + "</p>")
    return "\n".join(out)


def _autolink(escaped: str) -> str:
    return _BARE_URL.sub(lambda m: _link(html.unescape(m.group(1)), m.group(1)), escaped)


def _inline(line: str) -> str:
    """One line of Markdown: code spans (escaped, nothing inside them is Markdown),
    links, emphasis. Other text, HTML included, is left to the sanitiser."""
    parts: list[str] = []
    cursor = 0
    for match in _CODE_SPAN.finditer(line):
        parts.append(_inline_text(line[cursor : match.start()]))
        parts.append("<code>" + html.escape(match.group(2).strip(), quote=False) + "</code>")
        cursor = match.end()
    parts.append(_inline_text(line[cursor:]))
    return "".join(parts)


def _inline_text(text: str) -> str:
    if not text:
        return ""
    links: list[str] = []

    def keep(anchor: str) -> str:
        links.append(anchor)
        return f"\x00{len(links) - 1}\x00"

    text = _LINK.sub(
        lambda m: keep(_link(m.group(2), _emphasis(m.group(1)), m.group(3) or "")), text
    )
    text = _ANGLE_LINK.sub(lambda m: keep(_link(m.group(1), html.escape(m.group(1)))), text)
    text = _BARE_URL.sub(lambda m: keep(_link(m.group(1), html.escape(m.group(1)))), text)
    text = _emphasis(text)
    return re.sub(r"\x00(\d+)\x00", lambda m: links[int(m.group(1))], text)


def _emphasis(text: str) -> str:
    text = _STRONG.sub(r"<strong>\2</strong>", text)
    text = _STRIKE.sub(r"<del>\1</del>", text)
    return _EMPHASIS.sub(lambda m: f"<em>{m.group(1) or m.group(2)}</em>", text)


def _blocks(lines: list[str], depth: int) -> str:
    """Markdown blocks of ``lines``: fenced code, headings, rules, quotes, lists and
    paragraphs (a single line break inside a paragraph is kept as a break)."""
    out: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            out.append("<p>" + "<br>\n".join(_inline(line.strip()) for line in paragraph) + "</p>")
            paragraph.clear()

    index = 0
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line)
        if fence:
            flush()
            code: list[str] = []
            index += 1
            while index < len(lines) and not lines[index].lstrip().startswith(fence.group(1)):
                code.append(lines[index])
                index += 1
            index += 1  # the closing fence (or the end of the text)
            out.append("<pre><code>" + html.escape("\n".join(code), quote=False) + "</code></pre>")
            continue
        if not line.strip():
            flush()
            index += 1
            continue
        heading = _HEADING.match(line)
        if heading:
            flush()
            level = min(len(heading.group(1)) + 1, 6)  # the page's own heading is the title
            out.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            index += 1
            continue
        if _RULE.match(line):
            flush()
            out.append("<hr>")
            index += 1
            continue
        if _QUOTE.match(line):
            flush()
            quoted: list[str] = []
            while index < len(lines) and (match := _QUOTE.match(lines[index])):
                quoted.append(match.group(1))
                index += 1
            inner = (
                _blocks(quoted, depth + 1)
                if depth < MAX_QUOTE_DEPTH
                else "<p>" + "<br>\n".join(_inline(q) for q in quoted) + "</p>"
            )
            out.append(f"<blockquote>{inner}</blockquote>")
            continue
        if _BULLET.match(line) or _NUMBERED.match(line):
            flush()
            index = _list(lines, index, out)
            continue
        paragraph.append(line)
        index += 1
    flush()
    return "\n".join(out)


def _list(lines: list[str], index: int, out: list[str]) -> int:
    """A flat list from ``lines[index]`` on; an indented line continues the item above."""
    pattern = _BULLET if _BULLET.match(lines[index]) else _NUMBERED
    tag = "ul" if pattern is _BULLET else "ol"
    items: list[list[str]] = []
    while index < len(lines):
        line = lines[index]
        item = pattern.match(line)
        if item:
            items.append([item.group(1)])
        elif items and line.strip() and line[:1] in (" ", "\t") and not _FENCE.match(line):
            items[-1].append(line.strip())
        else:
            break
        index += 1
    rendered = "".join(
        "<li>" + "<br>\n".join(_inline(part) for part in parts) + "</li>" for parts in items
    )
    out.append(f"<{tag}>{rendered}</{tag}>")
    return index
