"""Japanese-style dates and times, in Japan time, for every template.

{{ value|wareki }}     令和8年4月1日          (English: 1 April 2026 (Reiwa 8))
{{ value|jdate }}      2026年4月1日（水）       (English: Wed, 1 April 2026)
{{ value|jdatetime }}  2026年4月1日（水）10:00  (English: Wed, 1 April 2026, 10:00)
"""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import get_language
from jpdatetime import jpdatetime

register = template.Library()

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


def _local(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


def era_year(value: dt.date) -> str:
    """The Japanese era and year, e.g. 令和8 or 令和元."""
    return jpdatetime(value.year, value.month, value.day).strftime("%-G")


@register.filter
def wareki(value: dt.date | dt.datetime | None) -> str:
    if not value:
        return ""
    value = _local(value)
    if _english():
        era = jpdatetime(value.year, value.month, value.day).strftime("%E")
        era_name, _, year = era.partition(" ")
        return f"{value.day} {MONTHS_EN[value.month - 1]} {value.year} ({era_name} {int(year)})"
    return f"{era_year(value)}年{value.month}月{value.day}日"


@register.filter
def jdate(value: dt.date | dt.datetime | None) -> str:
    if not value:
        return ""
    value = _local(value)
    if _english():
        weekday = WEEKDAYS_EN[value.weekday()]
        return f"{weekday}, {value.day} {MONTHS_EN[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日（{WEEKDAYS_JA[value.weekday()]}）"


@register.filter
def jdatetime(value: dt.datetime | None) -> str:
    if not value:
        return ""
    value = _local(value)
    return f"{jdate(value)}{', ' if _english() else ''}{value:%H:%M}"


@register.filter
def jtime(value: dt.datetime | dt.time | None) -> str:
    if not value:
        return ""
    return f"{_local(value):%H:%M}"
