"""Markdown written by staff, rendered as safe HTML for citizens; line diffs of versions."""

import difflib
from dataclasses import dataclass

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "h2",
    "h3",
    "h4",
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


def render_markdown(text: str) -> SafeString:
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return mark_safe(nh3.clean(html, tags=ALLOWED_TAGS, attributes={}))  # noqa: S308


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
