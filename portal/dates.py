"""Dates and times as people in Japan read them: Japan time, Japanese style (with the era
where a date is formal), or English style when the reader's language is English.

The one formatter of dates for templates (the filters in `portal.templatetags.jp`), mailbox
messages and e-mails. Each function follows the active language (`translation.override`
sets it for a reader who is not the one making the request).

    wareki(d)           令和8年4月1日               1 April 2026 (Reiwa 8)
    jdate(d)            2026年4月1日（水）            Wed, 1 April 2026
    jdatetime(d)        2026年4月1日（水）10:00       Wed, 1 April 2026, 10:00
    span(start, end)    2026年4月1日（水）10:00〜10:30  Wed, 1 April 2026, 10:00–10:30
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import get_language
from jpdatetime import jpdatetime

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def local(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    """An aware datetime in Japan time; a date or naive value as it is."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def is_english() -> bool:
    return (get_language() or "ja").startswith("en")


def era_year(value: dt.date) -> str:
    """The Japanese era and year, e.g. 令和8 or 令和元."""
    return jpdatetime(value.year, value.month, value.day).strftime("%-G")


def wareki(value: dt.date | dt.datetime | None) -> str:
    if not value:
        return ""
    value = local(value)
    if is_english():
        era = jpdatetime(value.year, value.month, value.day).strftime("%E")
        era_name, _, year = era.partition(" ")
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year} ({era_name} {int(year)})"
    return f"{era_year(value)}年{value.month}月{value.day}日"


def jdate(value: dt.date | dt.datetime | None) -> str:
    if not value:
        return ""
    value = local(value)
    if is_english():
        weekday = WEEKDAYS_EN[value.weekday()]
        return f"{weekday}, {value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日（{WEEKDAYS_JA[value.weekday()]}）"


def jtime(value: dt.datetime | dt.time | None) -> str:
    if not value:
        return ""
    # A time of day is shown as it is (local() would return it unchanged).
    shown = local(value) if isinstance(value, dt.datetime) else value
    return f"{shown:%H:%M}"


def jdatetime(value: dt.datetime | None) -> str:
    if not value:
        return ""
    return f"{jdate(value)}{', ' if is_english() else ''}{jtime(value)}"


def span(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """A consultation's day and times: 2026年4月1日（水）10:00〜10:30."""
    if is_english():
        return f"{jdatetime(starts_at)}–{jtime(ends_at)}"
    return f"{jdatetime(starts_at)}〜{jtime(ends_at)}"
