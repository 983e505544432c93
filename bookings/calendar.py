"""Office days and times: weekdays, Japanese public holidays, closures, the booking cut-off."""

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

import holidays
from django.utils import timezone

from .models import Office, OfficeClosure


@lru_cache(maxsize=32)
def _japanese_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.Japan(years=year).keys())


def is_public_holiday(day: dt.date) -> bool:
    return day in _japanese_holidays(day.year)


def is_open_day(office: Office, day: dt.date, closures: Iterable[OfficeClosure]) -> bool:
    """The office holds consultations on this day: one of its weekdays, no public holiday,
    no closure."""
    weekdays = office.weekdays or [0, 1, 2, 3, 4]
    if day.weekday() not in weekdays or is_public_holiday(day):
        return False
    return not any(closure.covers(day) for closure in closures)


def booking_deadline(office: Office, starts_at: dt.datetime) -> dt.datetime:
    """Bookings close at the end of the day `booking_cutoff_days` before the slot's day
    (前日まで: with the default 1, at midnight, Japan time, at the start of the slot's day)."""
    if office.booking_cutoff_days == 0:
        return starts_at
    day = timezone.localtime(starts_at).date()
    closing_day = day - dt.timedelta(days=office.booking_cutoff_days - 1)
    return timezone.make_aware(dt.datetime.combine(closing_day, dt.time.min))


def first_bookable_moment(office: Office, now: dt.datetime) -> dt.datetime:
    """Slots starting before this have closed: the counterpart of `booking_deadline` for
    listing free slots (now >= booking_deadline(slot) exactly when the slot starts before
    this moment)."""
    if not office.booking_cutoff_days:
        return now
    first_day = timezone.localtime(now).date() + dt.timedelta(days=office.booking_cutoff_days)
    return timezone.make_aware(dt.datetime.combine(first_day, dt.time.min))


def add_business_days(
    office: Office, start: dt.datetime, days: int, closures: Iterable[OfficeClosure] | None = None
) -> dt.datetime:
    """The end of the `days`-th business day after `start` (holidays and closures skipped)."""
    closures = list(closures if closures is not None else office.closures.all())
    day = timezone.localtime(start).date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_open_day(office, day, closures):
            counted += 1
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))
