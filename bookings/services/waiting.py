"""The waiting list (キャンセル待ち) of a full session, for the person: joining and leaving
it, accepting a seat offered (a booking through the booking service, so its rules and
consent apply) or declining it; and closing the list when staff cancel the session.
Keyword-only arguments, one transaction each. Offering, expiring and the periodic sweep
are in `services.waiting_offers`.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import profile_for

from ..errors import BookingError
from ..models import Booking, Office, Slot, WaitingEntry
from ..selectors import eligibility
from ..selectors.waiting import is_session, position_of, seats_free_for
from .applying import create_booking
from .bookings import check_slot_is_bookable, lock_person
from .waiting_offers import (
    close_locked,
    lock_slot,
    offer_free_seats,
    offer_seats_locked,
    offer_seats_on_commit,
    slot_changed,
    sweep_waiting_lists,
)

__all__ = [
    "accept_offer",
    "close_waiting_list",
    "decline_offer",
    "join_waiting_list",
    "leave_waiting_list",
    "offer_free_seats",
    "offer_seats_on_commit",
    "sweep_waiting_lists",
]


@transaction.atomic
def join_waiting_list(
    *, user: User, office: Office, slot_id: int, now: dt.datetime | None = None
) -> WaitingEntry:
    """Put the person at the end of a full session's waiting list. The entry returned
    carries its `position`, counted under the slot's lock: the place the person is told."""
    now = now or timezone.now()
    lock_person(user.pk)
    slot = lock_slot(slot_id)
    if slot is None or not is_session(slot):
        raise BookingError(_("This session has no waiting list."), "no_waiting_list")
    check_slot_is_bookable(slot=slot, office=office, now=now)
    refused = eligibility.refusals(user, office, now=now, slot=slot)
    if refused:
        raise BookingError(refused[0].reason, refused[0].code)
    if Booking.objects.filter(slot=slot, user=user, status__in=Booking.ACTIVE).exists():
        raise BookingError(_("You have booked this session already."), "duplicate")
    if WaitingEntry.objects.filter(slot=slot, user=user, status__in=WaitingEntry.ACTIVE).exists():
        raise BookingError(_("You are on this session's waiting list already."), "duplicate")
    if seats_free_for(slot, user) > 0:
        raise BookingError(
            _("This session still has a free seat: book it on the office's page."), "seats_free"
        )
    try:
        with transaction.atomic():
            entry = WaitingEntry.objects.create(slot=slot, user=user, joined_at=now)
    except IntegrityError:  # the person's lock makes this a guard of last resort
        raise BookingError(
            _("You are on this session's waiting list already."), "duplicate"
        ) from None
    entry.position = position_of(entry)
    slot_changed(slot)  # the count of people waiting on the office's page
    return entry


def _locked_entry(*, entry_id: int, user: User) -> tuple[Slot, WaitingEntry]:
    """The person's own entry and its slot, locked in the lock order (slot first)."""
    slot_id = (
        WaitingEntry.objects.filter(pk=entry_id, user=user)
        .values_list("slot_id", flat=True)
        .first()
    )
    slot = lock_slot(slot_id) if slot_id is not None else None
    if slot is None:
        raise BookingError(_("This waiting-list entry does not exist."), "missing")
    entry = WaitingEntry.objects.select_for_update().get(pk=entry_id)
    entry.slot = slot
    return slot, entry


@transaction.atomic
def leave_waiting_list(*, entry_id: int, user: User, now: dt.datetime | None = None) -> None:
    """The person leaves the list (an offer they hold goes to the next person)."""
    now = now or timezone.now()
    slot, entry = _locked_entry(entry_id=entry_id, user=user)
    if not entry.is_active:
        raise BookingError(_("You are no longer on this waiting list."), "state")
    entry.status = WaitingEntry.Status.LEFT
    entry.ended_at = now
    entry.save(update_fields=["status", "ended_at"])
    slot_changed(slot)
    offer_seats_locked(slot, now)


@transaction.atomic
def decline_offer(*, entry_id: int, user: User, now: dt.datetime | None = None) -> None:
    """The person does not want the seat offered: it goes to the next person waiting."""
    now = now or timezone.now()
    slot, entry = _locked_entry(entry_id=entry_id, user=user)
    if entry.status != WaitingEntry.Status.OFFERED:
        raise BookingError(_("This offer is no longer open."), "state")
    entry.status = WaitingEntry.Status.DECLINED
    entry.ended_at = now
    entry.save(update_fields=["status", "ended_at"])
    slot_changed(slot)
    offer_seats_locked(slot, now)


@transaction.atomic
def accept_offer(
    *,
    entry_id: int,
    user: User,
    ip_address: str | None = None,
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> Booking:
    """Book the seat offered, through the booking service (its rules and the consent
    it needs apply), with the details of the person's profile."""
    now = now or timezone.now()
    lock_person(user.pk)
    slot, entry = _locked_entry(entry_id=entry_id, user=user)
    if entry.status != WaitingEntry.Status.OFFERED or entry.offer_expires_at is None:
        raise BookingError(_("This offer is no longer open."), "state")
    if now >= entry.offer_expires_at:
        raise BookingError(
            _("This offer has expired: the seat is offered to the next person waiting."),
            "expired",
        )
    profile = profile_for(user)
    booking = create_booking(
        user=user,
        office=slot.office,
        slot_id=slot.pk,
        full_name=profile.full_name,
        full_name_kana=profile.full_name_kana,
        job_seeker_number=profile.job_seeker_number,
        phone=profile.phone,
        ip_address=ip_address,
        user_agent=user_agent,
        now=now,
    )
    entry.status = WaitingEntry.Status.BOOKED
    entry.booking = booking
    entry.ended_at = now
    entry.save(update_fields=["status", "booking", "ended_at"])
    return booking


@transaction.atomic
def close_waiting_list(*, slot: Slot, reason: str, now: dt.datetime | None = None) -> int:
    """The session is cancelled: end every open entry of its list and tell each person,
    with the office's reason. Returns how many people were told."""
    locked = lock_slot(slot.pk)
    if locked is None:
        return 0
    return close_locked(locked, now or timezone.now(), why="cancelled", reason=reason)
