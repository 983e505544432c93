"""Sessions (seminars, job fairs, selection interviews, company tours, meetings; I 前文,
I1): the rules a session has of its own instead of the office's one-to-one ones, and the
office's list of sessions with the seats left."""

import datetime as dt

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from terms.models import TermsDocument

from .. import calendar
from ..models import Booking, Office, SessionKind, Slot
from .waiting import held_seats


def is_session(slot: Slot | None) -> bool:
    return slot is not None and slot.is_session


def own_terms_document_id(slot: Slot | None) -> int | None:
    """A session's own terms document (Itami: the online services terms, I1), if it has
    one: a booking of it needs consent to that document instead of the office's."""
    if is_session(slot) and slot is not None:
        return slot.terms_document_id
    return None


def terms_documents_for(office: Office, slot: Slot | None = None) -> QuerySet[TermsDocument]:
    """The terms a booking of `slot` needs consent to: a session's own document, else every
    document of the office."""
    if (own := own_terms_document_id(slot)) is not None:
        return TermsDocument.objects.filter(pk=own)
    return office.terms_documents.all()


def needs_job_seeker_number(office: Office, slot: Slot | None = None) -> bool:
    """A session asks for a job-seeker number only where staff ticked it."""
    if is_session(slot) and slot is not None:
        return slot.requires_job_seeker_number
    return office.requires_job_seeker_number


def needs_confirmation(office: Office, slot: Slot, *, registering: bool = False) -> bool:
    """Whether an application is a request a counsellor confirms: a session's own rule
    (confirmed at once unless staff ticked it), else the office's (and "I will register")."""
    if slot.is_session:
        return slot.requires_confirmation
    return office.requires_counsellor_confirmation or registering


def consultations_only() -> Q:
    """Bookings that count against the office's limit of open consultation bookings."""
    return Q(slot__kind=SessionKind.CONSULTATION)


def open_bookings_of_kind(user_id: int, slot: Slot, now: dt.datetime) -> int:
    """The person's open bookings of sessions of the slot's kind at its office."""
    return Booking.objects.filter(
        user_id=user_id,
        slot__office_id=slot.office_id,
        slot__kind=slot.kind,
        status__in=Booking.ACTIVE,
        slot__ends_at__gt=now,
    ).count()


def upcoming_sessions(office: Office, now: dt.datetime, *, limit: int = 30) -> list[Slot]:
    """The office's sessions still open for booking, soonest first, each with `taken` and
    `seats_left` (full ones included: the person sees that they are full)."""
    return list(
        Slot.objects.filter(
            office=office,
            cancelled_at__isnull=True,
            starts_at__gte=calendar.first_bookable_moment(office, now),
        )
        .exclude(kind=SessionKind.CONSULTATION)
        .annotate(
            taken=Count("bookings", filter=Q(bookings__status__in=Booking.ACTIVE)),
            held=held_seats(),  # a seat for each person on its waiting list
        )
        .annotate(seats_left=F("capacity") - F("taken") - F("held"))
        .order_by("starts_at", "pk")[:limit]
    )


def session_refusal(
    office: Office,
    *,
    counsellor_office_id: int | None,
    end_time: dt.time | None = None,
    terms_document_id: int | None = None,
) -> str | None:
    """Why a session (a template of one, or a slot) cannot be set so; None when it can.
    Its time is its own (not the office's start times or window); holidays and closures
    are skipped as for every slot."""
    if counsellor_office_id is not None and counsellor_office_id != office.pk:
        return _("The host must be a counsellor of the office.")
    if end_time is not None:
        return _("A session has one start: leave the end of the window empty and set its length.")
    if (
        terms_document_id is not None
        and not office.terms_documents.filter(pk=terms_document_id).exists()
    ):
        return _("Choose one of the office's own terms documents.")
    return None
