"""What My Page lists: a person's bookings, immediate consultations and agreed terms."""

import datetime as dt

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.models import User
from terms.models import Consent

from .. import caches
from ..models import Booking, Office
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
    """The terms the person agreed to: for each document, their latest consent, the
    offices that use it among those they booked at (else the first office that uses it),
    and how many offices use it. A document that hundreds of offices share is one entry
    read in the same four queries at most as one office's."""
    links = Office.terms_documents.through.objects
    consents = (
        Consent.objects.filter(user=user)
        .select_related("version__document")
        .defer("version__text", "version__change_summary", "version__change_summary_en")
        .annotate(
            first_office_id=Subquery(
                Office.objects.filter(terms_documents=OuterRef("version__document"))
                .order_by("pk")
                .values("pk")[:1]
            ),
        )
        .order_by("version__document__position", "version__document_id", "-version__number")
    )
    latest: dict = {}  # document id -> the latest consent (annotated)
    for consent in consents:
        latest.setdefault(consent.version.document_id, consent)
    theirs: dict[int, list[Office]] = {}
    counts: dict[int, int] = {}
    if latest:
        counts = {
            row["termsdocument_id"]: row["n"]
            for row in links.filter(termsdocument_id__in=list(latest))
            .order_by()
            .values("termsdocument_id")
            .annotate(n=Count("pk"))
        }
        for link in (
            links.filter(
                termsdocument_id__in=list(latest),
                office__in=Office.objects.filter(slots__bookings__user=user),
            )
            .select_related("office")
            .order_by("office_id")
        ):
            theirs.setdefault(link.termsdocument_id, []).append(link.office)
    # Where the person booked at none of a document's offices: its first office.
    wanted = {c.first_office_id for d, c in latest.items() if d not in theirs} - {None}
    first = Office.objects.in_bulk(wanted) if wanted else {}
    entries = []
    for document_id, consent in latest.items():
        offices = theirs.get(document_id) or (
            [first[consent.first_office_id]] if consent.first_office_id in first else []
        )
        entries.append(
            {
                "consent": consent,
                "document": consent.version.document,
                "offices": offices,
                "office_count": counts.get(document_id, 0),
            }
        )
    return entries


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
