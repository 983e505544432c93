"""The counsellor's day: what the admin's first page shows for one day at some offices.

Every read is one query whatever the number of bookings shown (the rows, the rooms, the
week's load, the alerts), so the page costs the same for 5 bookings and 50."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone

from ..models import Booking, Counsellor, Room, SessionKind, Slot
from .absences import bookings_to_move
from .requests import WaitingRequest, waiting_requests


@dataclass(frozen=True)
class DayRow:
    """One consultation (or one participant of a session) of the day."""

    booking: Booking
    room: Room | None
    minutes_to_no_show: int | None  # while the 10-minute rule is counting, else None

    @property
    def joined(self) -> bool:
        return self.booking.joined_at is not None

    @property
    def can_mark(self) -> bool:
        return self.booking.status in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED)

    @property
    def is_no_show(self) -> bool:
        return self.booking.status == Booking.Status.NO_SHOW


@dataclass
class Day:
    day: dt.date
    rows: list[DayRow] = field(default_factory=list)
    waiting: list[WaitingRequest] = field(default_factory=list)
    week: list[tuple[dt.date, int]] = field(default_factory=list)
    rotate_rooms: list[Counsellor] = field(default_factory=list)
    nearly_full: list[Slot] = field(default_factory=list)
    # Open bookings to come inside an absence or a closure: to move or cancel.
    to_move: list[Booking] = field(default_factory=list)

    @property
    def overdue(self) -> list[WaitingRequest]:
        return [request for request in self.waiting if request.overdue]


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def _minutes_to_no_show(booking: Booking, now: dt.datetime) -> int | None:
    """Minutes left before the no-show rule cancels a confirmed booking nobody has
    joined, started or phoned about; None outside that stretch."""
    if booking.status != Booking.Status.CONFIRMED:
        return None
    if booking.joined_at or booking.started_at or booking.contacted_at:
        return None
    deadline = booking.slot.starts_at + dt.timedelta(minutes=settings.NO_SHOW_AFTER_MINUTES)
    if now < booking.slot.starts_at - dt.timedelta(minutes=30) or now >= deadline:
        return None
    return max(0, int((deadline - now).total_seconds() // 60))


def day_of(
    *,
    office_ids: set[int],
    day: dt.date,
    counsellor_id: int | None = None,
    now: dt.datetime | None = None,
) -> Day:
    now = now or timezone.now()
    start, end = _bounds(day)
    shown = [
        Booking.Status.REQUESTED,
        Booking.Status.CONFIRMED,
        Booking.Status.COMPLETED,
        Booking.Status.NO_SHOW,
    ]
    bookings = (
        Booking.objects.filter(
            slot__office_id__in=office_ids,
            slot__starts_at__gte=start,
            slot__starts_at__lt=end,
            status__in=shown,
        )
        .select_related("slot", "slot__office", "slot__counsellor", "user")
        .prefetch_related(Prefetch("rooms", queryset=Room.objects.valid(), to_attr="valid_rooms"))
        .order_by("slot__starts_at", "slot__counsellor_id", "seat")
    )
    if counsellor_id is not None:
        bookings = bookings.filter(slot__counsellor_id=counsellor_id)
    rows = [
        DayRow(
            booking=booking,
            room=booking.valid_rooms[0] if booking.valid_rooms else None,
            minutes_to_no_show=_minutes_to_no_show(booking, now),
        )
        for booking in bookings
    ]
    monday = day - dt.timedelta(days=day.weekday())
    week_start, _ = _bounds(monday)
    load = Booking.objects.filter(
        slot__office_id__in=office_ids,
        slot__starts_at__gte=week_start,
        slot__starts_at__lt=week_start + dt.timedelta(days=7),
        status__in=(*Booking.ACTIVE, Booking.Status.COMPLETED),
    )
    if counsellor_id is not None:
        load = load.filter(slot__counsellor_id=counsellor_id)
    per_day = Counter(
        timezone.localtime(starts_at).date()
        for starts_at in load.values_list("slot__starts_at", flat=True)
    )
    week = [
        (monday + dt.timedelta(days=n), per_day[monday + dt.timedelta(days=n)]) for n in range(7)
    ]
    rotate = list(
        Counsellor.objects.filter(office_id__in=office_ids, fixed_room_exposed_at__isnull=False)
    )
    nearly_full: list[Slot] = list(
        Slot.objects.filter(
            office_id__in=office_ids,
            cancelled_at__isnull=True,
            starts_at__gte=now,
            starts_at__lt=now + dt.timedelta(days=14),
        )
        .exclude(kind=SessionKind.CONSULTATION)
        .annotate(taken=Count("bookings", filter=Q(bookings__status__in=Booking.ACTIVE)))
        .filter(taken__gte=F("capacity") * 0.8)
        .order_by("starts_at")
    )
    to_move = bookings_to_move(
        Booking.objects.filter(slot__office_id__in=office_ids), now=now
    ).select_related("slot", "slot__counsellor")
    if counsellor_id is not None:
        to_move = to_move.filter(slot__counsellor_id=counsellor_id)
    return Day(
        day=day,
        rows=rows,
        waiting=waiting_requests(office_ids, now),
        week=week,
        rotate_rooms=rotate,
        nearly_full=nearly_full,
        to_move=list(to_move.order_by("slot__starts_at", "pk")),
    )
