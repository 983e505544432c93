"""Markdown written by staff, rendered as safe HTML for citizens; line diffs of versions."""

import difflib
import re
from dataclasses import dataclass

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "a",
    "p",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "br",
    "hr",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


LIST_ITEM = re.compile(r"^( *)([-*+]|\d{1,9}[.)])( +)(?=\S)")


def _nest_lists(text: str) -> str:
    """Re-indent nested lists to the four spaces Python-Markdown expects.

    Staff (and the demo terms) indent a sub-list under "2. " by its text's column (three
    spaces), as CommonMark reads it; Python-Markdown would run it into the item's text.
    A line belongs to the list item whose text starts at or before its indent."""
    columns: list[int] = []  # where the text of each open list item starts
    lines = []
    for line in text.splitlines():
        if not line.strip():
            lines.append(line)
            continue
        indent = len(line) - len(line.lstrip(" "))
        while columns and indent < columns[-1]:
            columns.pop()
        if item := LIST_ITEM.match(line):
            lines.append("    " * len(columns) + line.lstrip(" "))
            columns.append(indent + len(item.group(2)) + len(item.group(3)))
        elif columns:
            lines.append("    " * len(columns) + line.lstrip(" "))
        else:
            lines.append(line)
    return "\n".join(lines)


def _https_links_only(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        return value if value.startswith("https://") else None
    return value


def render_markdown(text: str) -> SafeString:
    """Terms text as safe HTML: headings, paragraphs, (nested) lists, emphasis, tables and
    links to https pages; anything else is dropped, keeping its text."""
    html = markdown.markdown(
        _nest_lists(text), extensions=["sane_lists", "tables"], output_format="html"
    )
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        attribute_filter=_https_links_only,
        url_schemes={"https"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised above


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "add", "del" or "gap"
    old_number: int | None
    new_number: int | None
    text: str


def line_diff(old: str, new: str, *, context: int = 2) -> list[DiffLine]:
    """A readable line diff: changed lines with a little context, long equal runs folded."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    rows: list[DiffLine] = []
    for group in matcher.get_grouped_opcodes(context):
        if rows:
            rows.append(DiffLine("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for offset, line in enumerate(old_lines[i1:i2]):
                    rows.append(DiffLine("same", i1 + offset + 1, j1 + offset + 1, line))
                continue
            if tag in ("replace", "delete"):
                for offset, line in enumerate(old_lines[i1:i2]):
                    rows.append(DiffLine("del", i1 + offset + 1, None, line))
            if tag in ("replace", "insert"):
                for offset, line in enumerate(new_lines[j1:j2]):
                    rows.append(DiffLine("add", None, j1 + offset + 1, line))
    return rows
