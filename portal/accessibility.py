"""The results of the latest accessibility test, shown on the accessibility policy page.

The browser suite runs axe-core on every page it visits (tests/support/browser.py) and
appends one line per check to RECORDS_FILE (an ignored folder). `python manage.py
accessibility_report` turns those lines into DATA_FILE, which is committed and which the
page reads: one entry per URL pattern (`/offices/<slug>/`, never an id or a person's data).
"""

import datetime as dt
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.urls import Resolver404, resolve

DATA_FILE = Path(__file__).resolve().parent / "data" / "accessibility.json"
RECORDS_FILE = Path(__file__).resolve().parent.parent / "test-artifacts" / "axe-checks.jsonl"
JAPAN = ZoneInfo("Asia/Tokyo")
UNRESOLVED = "(no page)"
_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def path_pattern(url: str) -> str:
    """The URL pattern of the page at `url`: `/me/bookings/<pk>/` for `/me/bookings/12/`.
    The query string, ids, tokens and keys never appear."""
    path = urlsplit(url).path or "/"
    try:
        match = resolve(path)
    except Resolver404:
        return UNRESOLVED
    route = _REGEX_GROUP.sub(r"<\1>", match.route)
    route = route.removeprefix("^").removesuffix("$").replace("\\", "")
    return "/" + _CONVERTER.sub(r"<\1>", route)


def _safe_path(path: str) -> str:
    """A recorded path as the report may show it: a pattern, with any bare number (an id
    that slipped through) replaced."""
    path = urlsplit(path).path or "/"
    return "/".join("<id>" if part.isdigit() else part for part in path.split("/"))


def read_records(path: Path = RECORDS_FILE) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def build_report(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The page's data from the suite's records: one row per URL pattern (how often it was
    checked, in which languages, with how many violations), and the totals."""
    pages: dict[str, dict[str, Any]] = {}
    versions: set[str] = set()
    tags: set[str] = set()
    latest: dt.datetime | None = None
    for record in records:
        checked_at = dt.datetime.fromisoformat(record["checked_at"]).astimezone(JAPAN)
        latest = max(latest, checked_at) if latest else checked_at
        versions.add(record["axe_version"])
        tags.update(record["tags"])
        page = pages.setdefault(
            _safe_path(record["path"]),
            {"checks": 0, "violations": 0, "languages": set(), "last_checked": checked_at},
        )
        page["checks"] += 1
        page["violations"] += int(record["violations"])
        if record.get("language"):
            page["languages"].add(record["language"])
        page["last_checked"] = max(page["last_checked"], checked_at)
    rows = [
        {
            "path": path,
            "checks": page["checks"],
            "violations": page["violations"],
            "languages": sorted(page["languages"]),
            "last_checked": page["last_checked"].date().isoformat(),
        }
        for path, page in sorted(pages.items())
    ]
    return {
        "tested_on": latest.date().isoformat() if latest else None,
        "axe_versions": sorted(versions),
        "tags": sorted(tags),
        "pages_checked": len(rows),
        "checks": sum(row["checks"] for row in rows),
        "violations": sum(row["violations"] for row in rows),
        "pages": rows,
    }


def write_report(report: dict[str, Any], path: Path = DATA_FILE) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def load_report(path: Path | None = None) -> dict[str, Any] | None:
    """The committed data file, or None where it is missing."""
    path = path or DATA_FILE
    if not path.exists():
        return None
    report = json.loads(path.read_text())
    if report.get("tested_on"):
        report["tested_on"] = dt.date.fromisoformat(report["tested_on"])
    return report
