"""Reads for pages: free slots by day, a person's bookings and agreed terms."""

import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from terms.models import Consent

from . import calendar
from .consent import missing_consents
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


def agreed_terms_by_office(user) -> list[dict]:
    """For each office whose terms the person agreed to: the latest consent per document."""
    consents = (
        Consent.objects.filter(user=user)
        .select_related("version", "version__document")
        .prefetch_related("version__document__offices")
        .order_by("version__document__position", "-version__number")
    )
    by_office: dict[int, dict] = {}
    for consent in consents:
        for office in consent.version.document.offices.all():
            entry = by_office.setdefault(office.pk, {"office": office, "documents": {}})
            entry["documents"].setdefault(consent.version.document_id, consent)
    return [
        {"office": e["office"], "consents": list(e["documents"].values())}
        for e in sorted(by_office.values(), key=lambda e: e["office"].pk)
    ]


def my_page_lists(user) -> dict:
    """Everything My Page lists: upcoming and past bookings, immediate consultations an
    office has started (with the terms still to agree to), and the agreed terms."""
    upcoming, past = bookings_of(user)
    immediate = [
        {"booking": b, "needs": missing_consents(user, b.slot.office)}
        for b in upcoming
        if b.is_immediate and b.status == Booking.Status.CONFIRMED
    ]
    return {
        "upcoming": upcoming,
        "past": past,
        "immediate": immediate,
        "consent_offices": agreed_terms_by_office(user),
    }
