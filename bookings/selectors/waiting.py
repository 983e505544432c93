"""Reads of the waiting lists (キャンセル待ち): which sessions are full, who is where in
the queue, and how many seats a person may take now without jumping it."""

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from portal.internals import Columns, PreparedQuery

from .. import caches, calendar
from ..errors import BookingError
from ..models import Booking, Office, SessionKind, Slot, WaitingEntry


def is_session(slot: Slot) -> bool:
    """A session with several seats, the only kind of slot with a waiting list."""
    return slot.kind != SessionKind.CONSULTATION and slot.capacity > 1


def _count_of(queryset: QuerySet) -> Subquery:
    return Subquery(
        queryset.order_by().values("slot").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


def held_seats() -> Coalesce:
    """An annotation for slots: the seats their waiting lists keep (one per entry waiting
    or offered), for the lists of free seats."""
    active = WaitingEntry.objects.filter(slot=OuterRef("pk"), status__in=WaitingEntry.ACTIVE)
    return Coalesce(_count_of(active), 0)


def seats_free_for(slot: Slot, user: User | AnonymousUser | None) -> int:
    """The seats `user` may take now: the capacity less the open bookings and less one seat
    for each person ahead of them on the waiting list (everyone on it, for a person not
    on it). A person still waiting for their turn takes none: their seat comes as an
    offer. Read under the slot's row lock, it is what a booking may take."""
    active = Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).count()
    entries = WaitingEntry.objects.filter(slot=slot, status__in=WaitingEntry.ACTIVE)
    mine = None
    if user is not None and user.is_authenticated:
        mine = entries.filter(user_id=user.pk).first()
    if mine is None:
        ahead = entries.count()
    elif mine.status == WaitingEntry.Status.WAITING:
        return 0
    else:
        ahead = entries.filter(pk__lt=mine.pk).count()
    return max(slot.capacity - active - ahead, 0)


def refuse_queue_jump(*, slot: Slot, user: User, by_staff: bool = False) -> None:
    """Refuse a booking that would take a seat the waiting list keeps for someone else
    (`by_staff`: a booking or move staff make for the person). Called by the booking
    services with the slot locked; a slot without a waiting list costs one query."""
    if not WaitingEntry.objects.filter(slot=slot, status__in=WaitingEntry.ACTIVE).exists():
        return
    if seats_free_for(slot, user) > 0:
        return
    if by_staff:
        raise BookingError(
            _(
                "This session's free seats are kept for the people on its waiting list, in "
                "turn. Choose another time."
            ),
            "waiting_list",
        )
    if WaitingEntry.objects.filter(
        slot=slot, user=user, status=WaitingEntry.Status.WAITING
    ).exists():
        raise BookingError(
            _(
                "You are on this session's waiting list: when a seat is free for you, it is "
                "offered to you in your mailbox."
            ),
            "waiting_list",
        )
    raise BookingError(
        _(
            "This session is full: seats that free are offered to the people on its waiting "
            "list in turn. You may join the waiting list on the office's page."
        ),
        "waiting_list",
    )


def position_of(entry: WaitingEntry) -> int:
    """The entry's place in the queue (1: next to be offered a seat, or offered now)."""
    return WaitingEntry.objects.filter(
        slot_id=entry.slot_id, status__in=WaitingEntry.ACTIVE, pk__lte=entry.pk
    ).count()


def position_in_queue() -> Subquery:
    """An annotation for entries: the entry's place in its slot's queue (as `position_of`)."""
    ahead = WaitingEntry.objects.filter(
        slot=OuterRef("slot"), status__in=WaitingEntry.ACTIVE, pk__lte=OuterRef("pk")
    )
    return Subquery(
        ahead.order_by().values("slot").annotate(n=Count("pk")).values("n"),
        output_field=IntegerField(),
    )


def _with_positions(entries: QuerySet[WaitingEntry]) -> list[WaitingEntry]:
    """The entries, each with its `position` (one query)."""
    found: list[WaitingEntry] = []
    for entry in entries.annotate(queue_position=position_in_queue()):
        entry.position = entry.queue_position
        found.append(entry)
    return found


_ENTRY = Columns(WaitingEntry)
_ENTRY_SLOT = Columns(Slot, prefix="slot__")
_ENTRY_OFFICE = Columns(Office, prefix="slot__office__")


def _entries_of(user_id: int) -> QuerySet:
    """The person's open entries with their slots, offices and places, as rows."""
    return (
        WaitingEntry.objects.filter(
            user_id=user_id, status__in=WaitingEntry.ACTIVE, slot__cancelled_at__isnull=True
        )
        .annotate(queue_position=position_in_queue())
        .order_by("slot__starts_at", "pk")
        .values_list(
            *_ENTRY.lookups, *_ENTRY_SLOT.lookups, *_ENTRY_OFFICE.lookups, "queue_position"
        )
    )


# My Page reads it at every view (a place moves as the people ahead leave the queue):
# compiled once (portal.internals), as the ORM's select_related would build the instances.
_ENTRIES_OF = PreparedQuery(_entries_of)


def entries_of(user: User) -> list[WaitingEntry]:
    """The person's open entries (waiting or offered), soonest session first, each with
    its slot and office, and its `position`."""
    found: list[WaitingEntry] = []
    for row in _ENTRIES_OF.rows(user.pk):
        entry = _ENTRY.build(row)
        entry.slot = _ENTRY_SLOT.build(row, len(_ENTRY))
        entry.slot.office = _ENTRY_OFFICE.build(row, len(_ENTRY) + len(_ENTRY_SLOT))
        entry.position = row[-1]
        found.append(entry)
    return found


@dataclass(frozen=True)
class FullSession:
    """A full session on the office's page (what everyone sees), with the person's entry
    (and place) if any, and whether they hold a seat in it."""

    slot_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    title: str
    title_en: str
    waiting: int  # how many people are on its waiting list
    entry: WaitingEntry | None = None
    booked: bool = False

    @property
    def display_title(self) -> str:
        if get_language() == "en" and self.title_en:
            return self.title_en
        return self.title


def _full_session_rows(office: Office, now: dt.datetime) -> list[FullSession]:
    """The office's sessions still open for booking that have no seat left for someone
    outside the waiting list, within the weeks the office keeps open: the same for
    everyone, kept with the office's week of free slots (`caches.slot_weeks`, bumped by
    every change of its bookings and waiting lists)."""
    cacheable = office.booking_cutoff_days > 0  # otherwise it changes every minute
    rows = ticket = None
    if cacheable:
        rows, ticket = caches.slot_weeks.get(
            office.pk, "full-sessions", timezone.localdate(now).isoformat()
        )
    if rows is None:
        first = calendar.first_bookable_moment(office, now)
        slots = (
            Slot.objects.filter(
                office=office,
                cancelled_at__isnull=True,
                capacity__gt=1,
                starts_at__gte=first,
                starts_at__lt=first + dt.timedelta(weeks=office.weeks_open + 1),
            )
            .exclude(kind=SessionKind.CONSULTATION)
            .annotate(
                taken=Count("bookings", filter=Q(bookings__status__in=Booking.ACTIVE)),
                held=held_seats(),
            )
            .filter(taken__gte=F("capacity") - F("held"))
            .order_by("starts_at", "pk")
        )
        rows = [
            (slot.pk, slot.starts_at, slot.ends_at, slot.title, slot.title_en, slot.held)
            for slot in slots
        ]
        if ticket is not None:
            caches.slot_weeks.put(ticket, rows)
    return [FullSession(*row) for row in cast(list[tuple], rows)]


def full_sessions(
    office: Office, user: User | AnonymousUser, now: dt.datetime | None = None
) -> list[FullSession]:
    """The office's full sessions (see `_full_session_rows`), each with the person's own
    entry and booking: two small queries for a signed-in person, none for a visitor when
    the list is cached."""
    found = _full_session_rows(office, now or timezone.now())
    if not user.is_authenticated or not found:
        return found
    ids = [full.slot_id for full in found]
    entries = WaitingEntry.objects.filter(
        user_id=user.pk, status__in=WaitingEntry.ACTIVE, slot_id__in=ids
    )
    mine = {entry.slot_id: entry for entry in _with_positions(entries)}
    booked = set(
        Booking.objects.filter(
            user_id=user.pk, status__in=Booking.ACTIVE, slot_id__in=ids
        ).values_list("slot_id", flat=True)
    )
    return [
        dataclasses.replace(full, entry=mine.get(full.slot_id), booked=full.slot_id in booked)
        for full in found
    ]


def waiting_list_of(slot: Slot) -> QuerySet[WaitingEntry]:
    """A session's open entries in queue order (for staff)."""
    return (
        WaitingEntry.objects.filter(slot=slot, status__in=WaitingEntry.ACTIVE)
        .select_related("user")
        .order_by("pk")
    )
