"""Offering the freed seats of a full session to its waiting list (キャンセル待ち): the
first person waiting is offered a seat for a limited time (the office's hours, never past
the booking cut-off); offers whose time is up expire and the seat goes to the next; a
list closes when its session is cancelled or its booking closes. The periodic sweep (a
Celery job, beside it) does what an on-commit offer missed.

Kept apart from `services.waiting` (joining, answering an offer), which books through the
booking service: the booking service calls this module when a seat frees.

Lock order, as in the booking service: the person, then the slot, then its entries.
Every change of a slot's entries holds the slot's row lock, so the queue (the entries'
primary keys) is the order in which people joined, and the seats the list keeps are
counted once (`selectors.waiting.seats_free_for`).
"""

import datetime as dt
import logging

from celery import shared_task
from django.db import transaction
from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Message
from accounts.services import post_new_messages

from .. import caches, calendar
from ..models import Booking, Slot, WaitingEntry
from ..selectors.waiting import is_session

logger = logging.getLogger(__name__)


def lock_slot(slot_id: int, *, skip_locked: bool = False) -> Slot | None:
    return (
        Slot.objects.select_for_update(of=("self",), skip_locked=skip_locked)
        .select_related("office")
        .filter(pk=slot_id)
        .first()
    )


def _params(slot: Slot, **more: object) -> dict:
    """What every message about a waiting list names (see `accounts.messages`)."""
    office = slot.office
    return {
        "office_id": office.pk,
        "office_name": office.name,
        "office_name_en": office.name_en,
        "office_phone": office.phone.as_national if office.phone else "",
        "title": slot.title,
        "title_en": slot.title_en,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        **more,
    }


def slot_changed(slot: Slot) -> None:
    """The seats the list keeps count in the office's list of free seats."""
    caches.slot_weeks.changed(slot.office_id)


def _expire_offers(slot: Slot, now: dt.datetime) -> int:
    """End the slot's offers whose time is up (slot locked). One the person took through
    the booking form anyway counts as booked."""
    due = list(
        WaitingEntry.objects.select_for_update(of=("self",))
        .filter(slot=slot, status=WaitingEntry.Status.OFFERED, offer_expires_at__lte=now)
        .select_related("user")
    )
    if not due:
        return 0
    bookings = dict(
        Booking.objects.filter(
            slot=slot, user__in=[e.user_id for e in due], status__in=Booking.ACTIVE
        ).values_list("user_id", "pk")
    )
    told = []
    for entry in due:
        entry.ended_at = now
        if entry.user_id in bookings:
            entry.status = WaitingEntry.Status.BOOKED
            entry.booking_id = bookings[entry.user_id]
        else:
            entry.status = WaitingEntry.Status.EXPIRED
            told.append(entry)
    WaitingEntry.objects.bulk_update(due, ["status", "ended_at", "booking"])
    # An entry's offer ends once, here, under the slot's and the entry's row locks.
    post_new_messages(
        [
            Message(
                user=entry.user,
                kind=Message.Kind.WAITING_OFFER_EXPIRED,
                params=_params(slot, expires_at=entry.offer_expires_at),
                key=f"waiting-offer-expired:{entry.pk}",
            )
            for entry in told
        ]
    )
    slot_changed(slot)
    return len(due)


def close_locked(slot: Slot, now: dt.datetime, *, why: str, reason: str) -> int:
    """End every open entry of the slot and tell each person (slot locked). `why`:
    "cancelled" (the session is cancelled) or "closed" (its booking has closed)."""
    entries = list(
        WaitingEntry.objects.select_for_update(of=("self",))
        .filter(slot=slot, status__in=WaitingEntry.ACTIVE)
        .select_related("user")
        .order_by("pk")
    )
    if not entries:
        return 0
    for entry in entries:
        entry.status = WaitingEntry.Status.CLOSED
        entry.ended_at = now
        entry.close_reason = reason[:300]
    WaitingEntry.objects.bulk_update(entries, ["status", "ended_at", "close_reason"])
    post_new_messages(
        [
            Message(
                user=entry.user,
                kind=Message.Kind.WAITING_CLOSED,
                params=_params(slot, why=why, reason=reason),
                key=f"waiting-closed:{entry.pk}",
            )
            for entry in entries
        ]
    )
    slot_changed(slot)
    return len(entries)


def offer_seats_locked(slot: Slot, now: dt.datetime) -> int:
    """With the slot locked: expire the offers whose time is up, then offer each free seat
    to the next person waiting, until the offer's end (the office's hours, never past
    the booking cut-off). A session cancelled or closed for booking closes its list.
    Returns how many offers were made."""
    _expire_offers(slot, now)
    if slot.cancelled_at is not None:
        close_locked(slot, now, why="cancelled", reason="")
        return 0
    office = slot.office
    deadline = calendar.booking_deadline(office, slot.starts_at)
    if now >= deadline:
        close_locked(slot, now, why="closed", reason="")
        return 0
    taken = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).count()
    offered = WaitingEntry.objects.filter(slot=slot, status=WaitingEntry.Status.OFFERED).count()
    free = slot.capacity - taken - offered
    if free <= 0:
        return 0
    entries = list(
        WaitingEntry.objects.select_for_update(of=("self",))
        .filter(slot=slot, status=WaitingEntry.Status.WAITING)
        .select_related("user")
        .order_by("pk")[:free]
    )
    if not entries:
        return 0
    expires_at = min(now + dt.timedelta(hours=office.waiting_offer_hours), deadline)
    for entry in entries:
        entry.status = WaitingEntry.Status.OFFERED
        entry.offered_at = now
        entry.offer_expires_at = expires_at
    WaitingEntry.objects.bulk_update(entries, ["status", "offered_at", "offer_expires_at"])
    # An entry is offered a seat once (waiting → offered), here, under its row lock.
    post_new_messages(
        [
            Message(
                user=entry.user,
                kind=Message.Kind.WAITING_OFFER,
                params=_params(slot, expires_at=expires_at),
                key=f"waiting-offer:{entry.pk}",
                link=reverse("waiting_offer", kwargs={"slug": office.slug, "pk": entry.pk}),
            )
            for entry in entries
        ]
    )
    logger.info("slot %s: %s freed seats offered to its waiting list", slot.pk, len(entries))
    return len(entries)


@transaction.atomic
def offer_free_seats(
    *, slot_id: int, now: dt.datetime | None = None, skip_locked: bool = False
) -> int:
    """Offer the slot's free seats to its waiting list (and expire the offers whose time
    is up). Safe to call at any time and twice: what is done is read under the slot's
    lock. With `skip_locked`, a slot another transaction holds is left for the next run.
    Returns how many offers were made."""
    slot = lock_slot(slot_id, skip_locked=skip_locked)
    if slot is None:
        return 0
    return offer_seats_locked(slot, now or timezone.now())


def offer_seats_on_commit(slot: Slot) -> None:
    """A seat of `slot` frees in this transaction (a cancellation, a decline, a capacity
    raise): once it commits, the waiting list is offered it. Should that fail, the
    periodic sweep offers it (`sweep_waiting_lists`)."""
    if not is_session(slot):
        return
    slot_id = slot.pk
    transaction.on_commit(lambda: offer_free_seats(slot_id=slot_id), robust=True)


def sweep_waiting_lists(*, now: dt.datetime | None = None) -> int:
    """The periodic job: for every session whose list has something to do (an offer whose
    time is up, a free seat and someone waiting, its booking closed or the session
    cancelled), do it, one slot per transaction. Found in one query; a slot another run
    (or a booking) holds is skipped, so two runs at once do nothing twice. Returns how
    many offers were made."""
    now = now or timezone.now()
    candidates = (
        Slot.objects.filter(waiting_entries__status__in=WaitingEntry.ACTIVE)
        .annotate(
            waiting=Count(
                "waiting_entries",
                filter=Q(waiting_entries__status=WaitingEntry.Status.WAITING),
                distinct=True,
            ),
            offered=Count(
                "waiting_entries",
                filter=Q(waiting_entries__status=WaitingEntry.Status.OFFERED),
                distinct=True,
            ),
            first_expiry=Min(
                "waiting_entries__offer_expires_at",
                filter=Q(waiting_entries__status=WaitingEntry.Status.OFFERED),
            ),
        )
        .select_related("office")
        .distinct()
    )
    offered = 0
    for slot in candidates:
        taken = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).count()
        first = calendar.first_bookable_moment(slot.office, now)
        due = (
            (slot.first_expiry is not None and slot.first_expiry <= now)
            or (slot.waiting and slot.capacity > taken + slot.offered)
            or slot.cancelled_at is not None
            or slot.starts_at < first
        )
        if due:
            offered += offer_free_seats(slot_id=slot.pk, now=now, skip_locked=True)
    return offered


@shared_task(name="bookings.tasks.sweep_waiting_lists", acks_late=True)
def sweep_waiting_lists_task() -> int:
    return sweep_waiting_lists()
