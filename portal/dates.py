"""Dates and times as people in Japan read them: Japan time, Japanese style (with the era
where a date is formal), or English style when the reader's language is English.

The one formatter of dates for templates (the filters in `portal.templatetags.jp`), mailbox
messages and e-mails. Each function follows the active language (`translation.override`
sets it for a reader who is not the one making the request).

    wareki(d)           令和8年4月1日               1 April 2026 (Reiwa 8)
    jdate(d)            2026年4月1日（水）            Wed, 1 April 2026
    jdatetime(d)        2026年4月1日（水）10:00       Wed, 1 April 2026, 10:00
    span(start, end)    2026年4月1日（水）10:00〜10:30  Wed, 1 April 2026, 10:00–10:30
    time_span(s, e)     10:00〜10:30                Wed, 10:00–10:30 → 10:00–10:30
    date_span(d1, d2)   2026年4月6日（月）〜2026年4月12日（日）

One style everywhere, pages and messages alike: no zero padding (4月1日, 9:00), one range
mark per language (〜 in Japanese, – in English), full-width brackets in Japanese.
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
    # A time of day (or a naive datetime) is shown as it is.
    shown = value
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        shown = timezone.localtime(value)
    return f"{shown.hour}:{shown.minute:02d}"  # 9:00, not 09:00


def jdatetime(value: dt.datetime | None) -> str:
    if not value:
        return ""
    return f"{jdate(value)}{', ' if is_english() else ''}{jtime(value)}"


def range_mark() -> str:
    """The one mark between the two ends of a range: 〜 in Japanese, – in English."""
    return "–" if is_english() else "〜"


def span(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """A consultation's day and times: 2026年4月1日（水）10:00〜10:30."""
    return f"{jdatetime(starts_at)}{range_mark()}{jtime(ends_at)}"


def time_span(starts_at: dt.datetime | dt.time, ends_at: dt.datetime | dt.time) -> str:
    """Two times of one day: 10:00〜10:30."""
    return f"{jtime(starts_at)}{range_mark()}{jtime(ends_at)}"


def date_span(first: dt.date | dt.datetime, last: dt.date | dt.datetime) -> str:
    """Two days: 2026年4月6日（月）〜2026年4月12日（日）."""
    return f"{jdate(first)}{range_mark()}{jdate(last)}"
