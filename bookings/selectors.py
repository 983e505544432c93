"""Reads for pages: free slots by day, a person's bookings."""

import datetime as dt
from itertools import groupby

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from .models import Booking, Office, Slot


def first_bookable_moment(office: Office, now: dt.datetime) -> dt.datetime:
    """Slots starting before this have closed (bookings close at the end of the day
    `booking_cutoff_days` before the slot's day)."""
    if not office.booking_cutoff_days:
        return now
    first_day = timezone.localtime(now).date() + dt.timedelta(days=office.booking_cutoff_days)
    return timezone.make_aware(dt.datetime.combine(first_day, dt.time.min))


def free_slots(office: Office, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> QuerySet:
    """Open slots between start and end that have a free seat and are still bookable."""
    return (
        Slot.objects.filter(
            office=office,
            cancelled_at__isnull=True,
            starts_at__gte=max(start, first_bookable_moment(office, now)),
            starts_at__lt=end,
        )
        .annotate(taken=Count("bookings", filter=Q(bookings__status__in=Booking.ACTIVE)))
        .filter(taken__lt=F("capacity"))
        .annotate(seats_left=F("capacity") - F("taken"))
        .order_by("starts_at", "counsellor_id")
    )


def slots_by_day(slots) -> list[tuple[dt.date, list[Slot]]]:
    return [
        (day, list(group))
        for day, group in groupby(slots, key=lambda s: timezone.localtime(s.starts_at).date())
    ]


def bookings_of(user) -> tuple[list[Booking], list[Booking]]:
    """A person's upcoming open bookings and the rest (past or closed), newest first."""
    now = timezone.now()
    bookings = list(
        Booking.objects.filter(user=user)
        .select_related("slot", "slot__office")
        .order_by("-slot__starts_at")
    )
    upcoming = [b for b in bookings if b.is_active and b.slot.ends_at > now]
    upcoming.reverse()
    past = [b for b in bookings if b not in upcoming]
    return upcoming, past
