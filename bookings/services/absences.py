"""What a counsellor's absence (不在) or an office's closure does to the slots inside it.

- Its free slots are closed at once (`close_slots_away`, also run by the daily slot job,
  so that a slot freed later inside an absence — the person cancelled — closes too).
- Its booked slots stay as they are and are listed for staff (`selectors.absences`);
  `move_out_of_absences` moves each booking to another counsellor's free slot at the same
  time where one exists, else asks the person to choose a new time (a mailbox message
  with the link to change the booking): the booking stays until they do or staff cancel
  it on their behalf.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Message, User
from accounts.services import post_message
from portal import dates

from .. import caches
from ..errors import BookingError
from ..models import Absence, Booking, BookingEvent, OfficeClosure, Slot
from ..selectors.absences import bookings_to_move, free_slots_away, replacement_slot
from .bookings import booking_message_params
from .events import log_event
from .staff_bookings import move_booking


@dataclass(frozen=True)
class Cascade:
    """What recording an absence or a closure did: slots closed, bookings left to move."""

    closed: int
    to_move: int


@dataclass
class MoveResult:
    moved: list[Booking] = field(default_factory=list)
    asked: list[Booking] = field(default_factory=list)
    refused: list[tuple[Booking, str]] = field(default_factory=list)


@transaction.atomic
def close_slots_away(
    *,
    office_ids: set[int] | None = None,
    counsellor_id: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Close every free slot still to come inside an absence or closure (one UPDATE);
    returns how many were closed. Safe to run again."""
    now = now or timezone.now()
    slots = free_slots_away(office_ids=office_ids, counsellor_id=counsellor_id, now=now)
    found = list(slots.values_list("pk", "office_id"))
    if not found:
        return 0
    ids = [pk for pk, _office in found]
    closed = Slot.objects.filter(pk__in=ids, cancelled_at__isnull=True).update(cancelled_at=now)
    for office_id in {office for _pk, office in found}:
        caches.slot_weeks.changed(office_id)
    return closed


def apply_absence(*, absence: Absence, now: dt.datetime | None = None) -> Cascade:
    """Close the free slots of a saved absence; count its bookings to move."""
    now = now or timezone.now()
    closed = close_slots_away(counsellor_id=absence.counsellor_id, now=now)
    to_move = (
        bookings_to_move(now=now)
        .filter(
            slot__counsellor_id=absence.counsellor_id,
            slot__starts_at__lt=absence.ends_at,
            slot__ends_at__gt=absence.starts_at,
        )
        .count()
    )
    return Cascade(closed=closed, to_move=to_move)


@transaction.atomic
def record_absence(
    *,
    counsellor_id: int,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    actor: User | None,
    reason: str = "",
) -> tuple[Absence, Cascade]:
    """Record a counsellor's absence and apply it at once."""
    if starts_at >= ends_at:
        raise BookingError(_("An absence must end after it starts."), "order")
    absence = Absence.objects.create(
        counsellor_id=counsellor_id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        recorded_by=actor,
    )
    return absence, apply_absence(absence=absence)


def apply_closure(*, closure: OfficeClosure, now: dt.datetime | None = None) -> Cascade:
    """Close the office's free slots on a saved closure's days (for every counsellor);
    count its bookings to move."""
    now = now or timezone.now()
    closed = close_slots_away(office_ids={closure.office_id}, now=now)
    to_move = bookings_to_move(now=now).filter(slot__office_id=closure.office_id).count()
    return Cascade(closed=closed, to_move=to_move)


def change_path(booking: Booking) -> str:
    """The person's page to choose a new time for their booking (予約の変更)."""
    return f"{reverse('booking_detail', args=[booking.pk])}change/"


def move_out_of_absences(
    *, bookings: list[Booking], actor: User, now: dt.datetime | None = None
) -> MoveResult:
    """Each booking inside an absence or closure goes to another counsellor's free slot
    at the same time where there is one (`move_booking`: the person is told, a new room
    follows); otherwise the person is asked, once per slot, to choose a new time. One
    transaction per booking: one that cannot be moved does not hold back the others."""
    now = now or timezone.now()
    result = MoveResult()
    inside = set(
        bookings_to_move(
            Booking.objects.filter(pk__in=[b.pk for b in bookings]), now=now
        ).values_list("pk", flat=True)
    )
    for booking in bookings:
        if booking.pk not in inside:
            result.refused.append((booking, _("This booking is not inside an absence or closure.")))
            continue
        try:
            moved = _move_or_ask(booking=booking, actor=actor, now=now)
        except BookingError as error:
            result.refused.append((booking, error.message))
            continue
        (result.moved if moved else result.asked).append(booking)
    return result


@transaction.atomic
def _move_or_ask(*, booking: Booking, actor: User, now: dt.datetime) -> bool:
    booking = Booking.objects.select_related("slot__office", "slot__counsellor", "user").get(
        pk=booking.pk
    )
    old_slot = booking.slot
    target = replacement_slot(booking, now=now)
    if target is not None:
        try:
            with transaction.atomic():
                move_booking(
                    booking=booking,
                    slot_id=target.pk,
                    actor=actor,
                    reason=_absence_note(old_slot.counsellor.display_name),
                )
        except BookingError:
            target = None  # taken meanwhile: the person chooses
        else:
            close_slots_away(counsellor_id=old_slot.counsellor_id, now=now)
            return True
    ask_to_move(booking=booking, actor=actor)
    return False


def _absence_note(name: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # the audit trail is the office's
        return _("absence or closure (%(name)s)") % {"name": name}


@transaction.atomic
def ask_to_move(*, booking: Booking, actor: User | None) -> Message | None:
    """Ask the person to choose a new time for a booking inside an absence or closure;
    the booking stays as it is. Asked once per booking and slot."""
    path = change_path(booking)
    message = post_message(
        user=booking.user,
        kind=Message.Kind.BOOKING_TO_MOVE,
        params=booking_message_params(
            booking,
            office_id=booking.slot.office_id,
            change_url=settings.SITE_URL + path,
        ),
        key=f"booking-to-move:{booking.pk}:{booking.slot_id}",
        link=path,
    )
    if message is not None:
        with translation.override(settings.LANGUAGE_CODE):
            when = dates.span(booking.slot.starts_at, booking.slot.ends_at)
        log_event(booking=booking, action=BookingEvent.Action.ASKED_TO_MOVE, actor=actor, note=when)
    return message
