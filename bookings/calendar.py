"""Office days and times: weekdays, Japanese public holidays, closures, the booking cut-off."""

import datetime as dt
from collections.abc import Callable, Iterable
from functools import lru_cache

import holidays
from django.db.models import prefetch_related_objects
from django.utils import timezone

from .models import Office, OfficeClosure

# How far the day-counting below looks for an office's next or previous business day
# before it gives up (an office closed for a whole year has no slots to close anyway).
SEARCH_DAYS = 400


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
    if office.closed_at_year_end and is_year_end(day):
        return False
    return not any(closure.covers(day) for closure in closures)


def is_year_end(day: dt.date) -> bool:
    """The year-end and new-year holidays of public offices, 29 December to 3 January."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def closures_of(office: Office) -> list[OfficeClosure]:
    """The office's closures, read once per office object (kept as its prefetched
    closures, so the pages and jobs that ask again do not query again)."""
    prefetch_related_objects([office], "closures")
    return list(office.closures.all())


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _days_counted(
    office: Office, closures: Iterable[OfficeClosure] | None
) -> Callable[[dt.date], bool]:
    """The days the booking cut-off counts: every day, or the office's business days."""
    if office.booking_cutoff_counts != Office.CutoffDays.BUSINESS:
        return lambda day: True
    closed = list(closures) if closures is not None else closures_of(office)
    return lambda day: is_open_day(office, day, closed)


def _nearest(day: dt.date, counts: Callable[[dt.date], bool], step: int) -> dt.date:
    """The first day that counts from `day` on (step 1) or back (step -1), `day` included.
    If none does within SEARCH_DAYS, `day` itself (the cut-off then counts calendar days)."""
    candidate = day
    for _ in range(SEARCH_DAYS):
        if counts(candidate):
            return candidate
        candidate += dt.timedelta(days=step)
    return day


def booking_deadline(
    office: Office, starts_at: dt.datetime, closures: Iterable[OfficeClosure] | None = None
) -> dt.datetime:
    """Bookings close at the end of the `booking_cutoff_days`-th day before the slot's day,
    Japan time (前日まで). The days are calendar days (default: with 1, at midnight at the
    start of the slot's day) or the office's business days (weekdays it is open, public
    holidays, the year end and its closures skipped: a Monday slot closes at the end of
    Friday). With 0, at the start of the slot."""
    if not office.booking_cutoff_days:
        return starts_at
    counts = _days_counted(office, closures)
    closing_day = timezone.localtime(starts_at).date()
    for _ in range(office.booking_cutoff_days):
        closing_day = _nearest(closing_day - dt.timedelta(days=1), counts, -1)
    return _start_of(closing_day + dt.timedelta(days=1))


def first_bookable_moment(
    office: Office, now: dt.datetime, closures: Iterable[OfficeClosure] | None = None
) -> dt.datetime:
    """Slots starting before this have closed: the counterpart of `booking_deadline` for
    listing free slots and finding expired requests. For every slot,
    `now >= booking_deadline(office, slot.starts_at)` exactly when the slot starts before
    this moment: the deadline depends only on the slot's day and never decreases from one
    day to the next, so the closed days are those up to the `booking_cutoff_days`-th
    counted day from today on (today included)."""
    if not office.booking_cutoff_days:
        return now + dt.timedelta(microseconds=1)  # a slot starting now has closed
    counts = _days_counted(office, closures)
    last_closed = _nearest(timezone.localtime(now).date(), counts, 1)
    for _ in range(office.booking_cutoff_days - 1):
        last_closed = _nearest(last_closed + dt.timedelta(days=1), counts, 1)
    return _start_of(last_closed + dt.timedelta(days=1))


def add_business_days(
    office: Office, start: dt.datetime, days: int, closures: Iterable[OfficeClosure] | None = None
) -> dt.datetime:
    """The end (its last instant) of the `days`-th business day after `start`'s day:
    weekdays the office is open, public holidays, the year end and closures skipped."""
    closed = list(closures) if closures is not None else closures_of(office)

    def is_business_day(day: dt.date) -> bool:
        return is_open_day(office, day, closed)

    day = timezone.localtime(start).date()
    for _ in range(days):
        day = _nearest(day + dt.timedelta(days=1), is_business_day, 1)
    return _start_of(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)
