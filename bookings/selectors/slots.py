"""Free slots of an office: by week, by day, within the weeks it keeps open (only one
counsellor's, for a person in continuing support)."""

import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from portal import dates

from .. import calendar
from ..models import Booking, Office, SessionKind, Slot
from .absences import not_absent
from .waiting import held_seats


def free_slots(
    office: Office,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    *,
    counsellor_id: int | None = None,
    with_counsellors: bool = False,
) -> QuerySet[Slot]:
    """Open slots between start and end that have a free seat and are still bookable
    (only that counsellor's when `counsellor_id` is given; each with its counsellor, read
    in the same query, with `with_counsellors`)."""
    slots = Slot.objects.filter(
        office=office,
        cancelled_at__isnull=True,
        starts_at__gte=max(start, calendar.first_bookable_moment(office, now)),
        starts_at__lt=end,
    )
    if counsellor_id is not None:
        slots = slots.filter(counsellor_id=counsellor_id)
    if with_counsellors:
        slots = slots.select_related("counsellor")
    # A slot freed inside an absence (its booking cancelled or moved) is not offered again;
    # the daily slot job closes it, and any freed inside a closure (services.absences).
    slots = not_absent(slots)
    return (
        slots.annotate(
            taken=Count("bookings", filter=Q(bookings__status__in=Booking.ACTIVE)),
            held=held_seats(),  # a seat for each person on a session's waiting list
        )
        .filter(taken__lt=F("capacity") - F("held"))
        .annotate(seats_left=F("capacity") - F("taken") - F("held"))
        .order_by("starts_at", "counsellor_id")
    )


def slots_by_day(
    slots: list[Slot], *, per_counsellor: bool = False
) -> list[tuple[dt.date, list[Slot]]]:
    """Free times by day, one entry per time: when several counsellors are free at the same
    time, the person sees the time once (the first free slot is the one booked), unless
    the office names whose slot each is (`per_counsellor`: one entry per counsellor). Each
    slot gets a ready-made `label` ("10:00〜10:30", `portal.dates`) so the template does no
    date work per slot."""
    days: dict[dt.date, dict[tuple, Slot]] = {}
    for slot in slots:
        start = timezone.localtime(slot.starts_at)
        times = days.setdefault(start.date(), {})
        key = (start, slot.kind, slot.title, slot.counsellor_id if per_counsellor else None)
        if key not in times:
            end = timezone.localtime(slot.ends_at)
            # A template-only attribute on the instance (no field of Slot): for the template.
            slot.label = dates.time_span(start, end)  # type: ignore[attr-defined]
            times[key] = slot
    return [(day, list(times.values())) for day, times in days.items()]


def monday_of(day: dt.date | dt.datetime) -> dt.date:
    day = day.date() if isinstance(day, dt.datetime) else day
    return day - dt.timedelta(days=day.weekday())


def open_weeks(office: Office, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The Mondays of the first and the last week the office keeps open for booking."""
    first_monday = monday_of(timezone.localtime(calendar.first_bookable_moment(office, now)))
    return first_monday, first_monday + dt.timedelta(weeks=max(office.weeks_open - 1, 0))


def parse_week(value: str) -> dt.date | None:
    """The Monday of the week a ?week=YYYY-MM-DD parameter names; None if it names none."""
    try:
        return monday_of(dt.date.fromisoformat(value))
    except ValueError:
        return None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def week_of_free_slots(
    office: Office,
    requested: dt.date | None,
    now: dt.datetime,
    *,
    counsellor_id: int | None = None,
    with_counsellors: bool = False,
) -> tuple[dt.date, list[Slot]]:
    """The week to show and its free slots: the requested week kept within the open weeks,
    or by default the first week that has a free slot (so the page never opens on an
    empty week). One query in the common case."""
    first_monday, last_monday = open_weeks(office, now)
    monday = min(max(requested or first_monday, first_monday), last_monday)

    def week(monday: dt.date) -> list[Slot]:
        start = _start_of(monday)
        end = start + dt.timedelta(weeks=1)
        return list(
            free_slots(
                office,
                start,
                end,
                now,
                counsellor_id=counsellor_id,
                with_counsellors=with_counsellors,
            ).filter(kind=SessionKind.CONSULTATION)  # sessions have a list of their own
        )

    slots = week(monday)
    if not slots and requested is None:
        later = _start_of(monday)
        later_free = free_slots(
            office,
            later,
            later + dt.timedelta(weeks=office.weeks_open + 1),
            now,
            counsellor_id=counsellor_id,
        )
        first_free = later_free.filter(kind=SessionKind.CONSULTATION).first()
        if first_free is not None:
            monday = min(monday_of(timezone.localtime(first_free.starts_at)), last_monday)
            slots = week(monday)
    return monday, slots
