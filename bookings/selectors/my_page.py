"""What My Page lists: a person's bookings, immediate consultations and agreed terms."""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from terms.models import Consent

from .. import caches
from ..models import Booking
from .consent import missing_consents
from .suspensions import active_suspensions


def bookings_of(user: User, *, past_limit: int = 20) -> tuple[list[Booking], list[Booking]]:
    """A person's upcoming open bookings (soonest first) and their latest past or closed
    ones (newest first, at most `past_limit`)."""
    now = timezone.now()
    mine = Booking.objects.filter(user=user).select_related("slot", "slot__office")
    upcoming_filter = Q(status__in=Booking.ACTIVE, slot__ends_at__gt=now)
    upcoming = list(mine.filter(upcoming_filter).order_by("slot__starts_at"))
    # My Page's lists are cached for up to FRAGMENT_SECONDS: "Cancel" is offered only while
    # it will still be accepted when the cached page is read.
    later = now + dt.timedelta(seconds=caches.FRAGMENT_SECONDS)
    for booking in upcoming:
        booking.cancellable = booking.may_be_cancelled_by_person(later)  # type: ignore[attr-defined]
    past = list(mine.exclude(upcoming_filter).order_by("-slot__starts_at")[:past_limit])
    return upcoming, past


def agreed_terms_by_office(user: User) -> list[dict]:
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


def my_page_lists(user: User) -> dict:
    """Everything My Page lists: upcoming consultations, upcoming sessions, past bookings,
    immediate consultations an
    office has started (with the terms still to agree to), and the agreed terms."""
    upcoming, past = bookings_of(user)
    immediate = [
        {"booking": b, "needs": missing_consents(user, b.slot.office)}
        for b in upcoming
        if b.is_immediate and b.status == Booking.Status.CONFIRMED
    ]
    return {
        # Consultations and sessions (seminars, tours…) are listed apart.
        "upcoming": [b for b in upcoming if not b.slot.is_session],
        "sessions": [b for b in upcoming if b.slot.is_session],
        "past": past,
        "immediate": immediate,
        "consent_offices": agreed_terms_by_office(user),
        "suspensions": active_suspensions(user),
    }
