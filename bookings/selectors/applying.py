"""What applying for one slot needs to know, in as few statements as the rules allow.

`services.applying` reads it under the person's and the slot's locks: the slot with its
office and the person's standing there (suspended, own counsellor, issued account) in
the statement that locks the slot; then, in one more, the slot's taken seats together with
the person's bookings that the rules count (same slot, overlapping, open, no-shows); then
the terms versions still to agree to (`agreements_due_for`). Each is a
`portal.internals.PreparedQuery`: compiled once per process, as Django's Python cost
several times what the database spends on them."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from accounts.models import User
from portal.internals import Columns, PreparedQuery
from terms.selectors import AgreementDue, agreements_due, due_candidates

from ..models import (
    Booking,
    ContinuingSupport,
    IssuedAccount,
    Office,
    SessionKind,
    Slot,
    Suspension,
)
from . import sessions
from .eligibility import Standing
from .restrictions import lifted_later, window_start


def _open_bookings_of_slot(slot_id: int) -> QuerySet:
    return (
        Booking.objects.filter(slot_id=slot_id, status__in=Booking.ACTIVE)
        .order_by()
        .values_list("user_id", "slot__capacity", "slot__kind", "slot__office__slug")
    )


_OPEN_BOOKINGS_OF_SLOT = PreparedQuery(_open_bookings_of_slot)


def seen_taken(user: User, slot_id: int, slug: str | None = None) -> bool:
    """Whether a consultation slot is seen full, by others, without a lock: one statement
    (its open bookings, with the slot's capacity and kind). A rush's late applicants are
    answered with it before any lock is waited for or any rule read; the check under the
    locks (`at_slot`) still decides for the others."""
    rows = _OPEN_BOOKINGS_OF_SLOT.rows(slot_id)
    if not rows:
        return False
    _user, capacity, kind, office_slug = rows[0]
    return (
        kind == SessionKind.CONSULTATION
        and slug in (None, office_slug)
        and all(row[0] != user.pk for row in rows)
        and len(rows) >= capacity
    )


_SLOT = Columns(Slot)
_OFFICE = Columns(Office, prefix="office__")
_STANDING = ("person_suspended", "own_counsellor_id", "person_has_issued_account")


def _slot_with_standing(user_id: int, slot_id: int) -> QuerySet:
    """The slot locked, with its office and the person's standing at the office
    (suspended, own counsellor, issued account): one statement, as rows."""
    suspensions = Suspension.objects.filter(user_id=user_id, lifted_at__isnull=True).filter(
        Q(office__isnull=True) | Q(office=OuterRef("office_id"))
    )
    support = ContinuingSupport.objects.filter(
        user_id=user_id, office=OuterRef("office_id"), ended_at__isnull=True
    )
    issued = IssuedAccount.objects.filter(
        user_id=user_id, office=OuterRef("office_id"), revoked_at__isnull=True
    )
    return (
        Slot.objects.filter(pk=slot_id)
        .select_for_update(of=("self",))
        .annotate(
            person_suspended=Exists(suspensions),
            own_counsellor_id=Subquery(support.values("counsellor_id")[:1]),
            person_has_issued_account=Exists(issued),
        )
        .order_by()
        .values_list(*_SLOT.lookups, *_OFFICE.lookups, *_STANDING)
    )


_SLOT_WITH_STANDING = PreparedQuery(_slot_with_standing, arity=2)


def lock_slot_with_standing(user: User, slot_id: int) -> Slot | None:
    """The slot (None: there is none) locked, read with its office, and the person's
    standing at the office on it (`standing_of`). Call inside a transaction."""
    query, values = slot_with_standing_statement(user, slot_id)
    return slot_with_standing_from(query.rows(*values))


def slot_with_standing_statement(user: User, slot_id: int) -> tuple[PreparedQuery, tuple]:
    """`lock_slot_with_standing`'s statement and its values, for
    `portal.internals.rows_together` (its rows: `slot_with_standing_from`)."""
    return _SLOT_WITH_STANDING, (user.pk, slot_id)


def slot_with_standing_from(rows: list[tuple]) -> Slot | None:
    """`lock_slot_with_standing`'s answer from its statement's rows."""
    if not rows:
        return None
    row = rows[0]
    slot = _SLOT.build(row)
    slot.office = _OFFICE.build(row, len(_SLOT))
    for name, value in zip(_STANDING, row[len(_SLOT) + len(_OFFICE) :], strict=True):
        setattr(slot, name, value)
    return slot


def standing_of(slot: Slot) -> Standing:
    """The person's standing read with the slot by `lock_slot_with_standing`."""
    return Standing(
        suspended=slot.person_suspended,  # type: ignore[attr-defined]
        own_counsellor_id=slot.own_counsellor_id,  # type: ignore[attr-defined]
        has_issued_account=slot.person_has_issued_account,  # type: ignore[attr-defined]
    )


@dataclass(frozen=True)
class AtSlot:
    """The slot's taken seats and the person's bookings as the rules count them."""

    seats_taken: frozenset[int]
    already_booked: bool  # an open booking of this very slot
    overlapping: bool  # an open booking elsewhere at the same time
    no_shows: int  # counted towards the office's policy
    open_consultations: int  # open consultation bookings at the office
    open_of_kind: int  # open bookings of sessions of the slot's kind at the office

    def free_seat(self, capacity: int) -> int | None:
        return next((s for s in range(1, capacity + 1) if s not in self.seats_taken), None)


def _bookings_at_slot(slot_id: int, user_id: int, office_id: int) -> QuerySet:
    """The open bookings of the slot, and the person's open bookings and no-shows at the
    office; which of them count now is for `at_slot` to say (the statement has no time in
    it, so it is compiled once)."""
    active = Q(status__in=Booking.ACTIVE)
    mine_no_shows = Q(user_id=user_id, status=Booking.Status.NO_SHOW, slot__office_id=office_id)
    return (
        Booking.objects.filter(
            (Q(slot_id=slot_id) & active) | (Q(user_id=user_id) & active) | mine_no_shows
        )
        .annotate(
            lifted=lifted_later(office_id),
            slot_starts=F("slot__starts_at"),
            slot_ends=F("slot__ends_at"),
            slot_office=F("slot__office_id"),
            slot_kind=F("slot__kind"),
        )
        .order_by()
        .values_list(
            "slot_id", "user_id", "seat", "status", "lifted", "slot_starts", "slot_ends",
            "slot_office", "slot_kind",
        )
    )  # fmt: skip


_BOOKINGS_AT_SLOT = PreparedQuery(_bookings_at_slot, arity=3)


def at_slot(user: User, slot: Slot, office: Office, now: dt.datetime) -> AtSlot:
    """One statement: the open bookings of the slot, the person's open bookings and the
    no-shows that count (call with the person and the slot locked: it sees what the other
    transactions committed before them)."""
    query, values = at_slot_statement(user, slot, office)
    return at_slot_from(query.rows(*values), user, slot, office, now)


def at_slot_statement(user: User, slot: Slot, office: Office) -> tuple[PreparedQuery, tuple]:
    """`at_slot`'s statement and its values, for `portal.internals.rows_together` (its
    rows: `at_slot_from`)."""
    return _BOOKINGS_AT_SLOT, (slot.pk, user.pk, office.pk)


def at_slot_from(
    rows: list[tuple], user: User, slot: Slot, office: Office, now: dt.datetime
) -> AtSlot:
    """`at_slot`'s answer from its statement's rows."""
    since = window_start(office, now)
    seats: set[int] = set()
    already = overlapping = False
    no_shows = open_consultations = open_of_kind = 0
    for slot_id, user_id, seat, status, lifted, starts_at, ends_at, office_id, kind in rows:
        is_active = status in Booking.ACTIVE
        if slot_id == slot.pk and is_active:
            seats.add(seat)
        if user_id != user.pk:
            continue
        # As restrictions.counted_no_show: in the office's window and not lifted since.
        if status == Booking.Status.NO_SHOW and office_id == office.pk and starts_at >= since:
            no_shows += 0 if lifted else 1
        if not is_active or ends_at <= now:
            continue
        if slot_id == slot.pk:
            already = True
        elif starts_at < slot.ends_at and ends_at > slot.starts_at:
            overlapping = True
        if office_id == office.pk:
            if kind == SessionKind.CONSULTATION:
                open_consultations += 1
            if kind == slot.kind:
                open_of_kind += 1
    return AtSlot(
        frozenset(seats), already, overlapping, no_shows, open_consultations, open_of_kind
    )


def _due_at_office(office_id: int, user_id: int) -> QuerySet:
    return due_candidates(user_id, Q(document__offices=office_id))


def _due_of_document(document_id: int, user_id: int) -> QuerySet:
    return due_candidates(user_id, Q(document_id=document_id))


_DUE_AT_OFFICE = PreparedQuery(_due_at_office, arity=2)
_DUE_OF_DOCUMENT = PreparedQuery(_due_of_document, arity=2)


def agreements_due_for(
    user: User, office: Office, slot: Slot, now: dt.datetime
) -> list[AgreementDue]:
    """The terms versions in force that a booking of `slot` needs and the person has not
    agreed to (`sessions.terms_documents_for` says which documents): one statement."""
    query, values = agreements_due_statement(user, office, slot)
    return agreements_due(query.rows(*values), now)


def agreements_due_statement(user: User, office: Office, slot: Slot) -> tuple[PreparedQuery, tuple]:
    """`agreements_due_for`'s statement and its values, for `portal.internals.rows_together`
    (its rows: `terms.selectors.agreements_due(rows, now)`)."""
    if (own := sessions.own_terms_document_id(slot)) is not None:
        return _DUE_OF_DOCUMENT, (own, user.pk)
    return _DUE_AT_OFFICE, (office.pk, user.pk)
