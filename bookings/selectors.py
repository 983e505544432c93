"""Reads for pages: free slots by day, a person's bookings."""

import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from . import calendar
from .models import Booking, Office, Slot


def free_slots(office: Office, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> QuerySet:
    """Open slots between start and end that have a free seat and are still bookable."""
    return (
        Slot.objects.filter(
            office=office,
            cancelled_at__isnull=True,
            starts_at__gte=max(start, calendar.first_bookable_moment(office, now)),
            starts_at__lt=end,
        )
        .annotate(taken=Count("bookings", filter=Q(bookings__status__in=Booking.ACTIVE)))
        .filter(taken__lt=F("capacity"))
        .annotate(seats_left=F("capacity") - F("taken"))
        .order_by("starts_at", "counsellor_id")
    )


def slots_by_day(slots) -> list[tuple[dt.date, list[Slot]]]:
    """Free times by day, one entry per time: when several counsellors are free at the same
    time, the person sees the time once (the first free slot is the one booked). Each slot
    gets a ready-made `label` ("10:00–10:30") so the template does no date work per slot."""
    days: dict[dt.date, dict[tuple, Slot]] = {}
    for slot in slots:
        start = timezone.localtime(slot.starts_at)
        times = days.setdefault(start.date(), {})
        key = (start, slot.kind, slot.title)
        if key not in times:
            end = timezone.localtime(slot.ends_at)
            slot.label = f"{start:%H:%M}–{end:%H:%M}"
            times[key] = slot
    return [(day, list(times.values())) for day, times in days.items()]


def bookings_of(user, *, past_limit: int = 20) -> tuple[list[Booking], list[Booking]]:
    """A person's upcoming open bookings (soonest first) and their latest past or closed
    ones (newest first, at most `past_limit`)."""
    now = timezone.now()
    mine = Booking.objects.filter(user=user).select_related("slot", "slot__office")
    upcoming_filter = Q(status__in=Booking.ACTIVE, slot__ends_at__gt=now)
    upcoming = list(mine.filter(upcoming_filter).order_by("slot__starts_at"))
    past = list(mine.exclude(upcoming_filter).order_by("-slot__starts_at")[:past_limit])
    return upcoming, past
