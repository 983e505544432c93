"""Meeting rooms of confirmed bookings: issued by a background job, at most one each,
invalidated when a booking is cancelled or moved, deleted at the provider afterwards; a
sweeper sends again what a broker outage dropped. The jobs are defined beside their
services (thin: primary keys in, the service called)."""

import datetime as dt
import logging
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import Message, User
from accounts.services import post_new_messages
from portal import crypto
from portal.internals import PreparedQuery
from portal.jobs import enqueue_on_commit

from ..meetings import MeetingRequest, ProviderError, local_providers, provider_for
from ..models import Booking, Counsellor, Room, SessionKind, SessionRoom, Slot

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _LockedBooking:
    """What the room job reads of a booking, under the booking's row lock: the provider's
    request and the mailbox message need nothing more."""

    pk: int
    status: str
    user_id: int
    email: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    counsellor_id: int
    office_slug: str
    office_name: str
    office_phone: PhoneNumber
    meeting_provider: str
    office_name_en: str
    language: str
    slot_id: int
    slot_kind: str
    slot_provider: str
    slot_title: str
    slot_title_en: str
    no_show_applies: bool

    @property
    def is_session(self) -> bool:
        return self.slot_kind != SessionKind.CONSULTATION

    @property
    def provider(self) -> str:
        """The session's own provider where staff chose one, else the office's."""
        return (self.is_session and self.slot_provider) or self.meeting_provider

    def request(self) -> MeetingRequest:
        topic = f"{self.office_name} オンライン相談"
        if self.is_session:
            topic = f"{self.office_name} {self.slot_title}".strip()
        return MeetingRequest(
            booking_id=self.pk,
            topic=topic,
            starts_at=self.starts_at,
            minutes=int((self.ends_at - self.starts_at).total_seconds() // 60),
            counsellor_id=self.counsellor_id,
        )


_LOCKED_FIELDS = (
    "status",
    "user_id",
    "user__email",
    "slot__starts_at",
    "slot__ends_at",
    "slot__counsellor_id",
    "slot__office__slug",
    "slot__office__name",
    "slot__office__phone",
    "slot__office__meeting_provider",
    "slot__office__name_en",
    "user__language",
    "slot_id",
    "slot__kind",
    "slot__meeting_provider",
    "slot__title",
    "slot__title_en",
    "slot__no_show_applies",
)
# The room job's statements for its own booking, compiled once per process: it runs once
# per confirmation.
_LOCK_BOOKING = PreparedQuery(
    lambda booking_id: (
        Booking.objects.select_for_update(of=("self",))
        .filter(pk=booking_id)
        .order_by()
        .values_list(*_LOCKED_FIELDS)
    )
)
_VALID_ROOM = PreparedQuery(
    lambda booking_id: Room.objects.valid().filter(booking_id=booking_id).values_list("pk")[:1]
)

# A room job also makes the rooms of other confirmed bookings awaiting theirs, up to
# ROOM_BATCH in one transaction, when their provider makes rooms locally: when a counsellor
# confirms many bookings at once, or the sweeper sends jobs again after an outage, one
# transaction does the work of many, and the jobs that follow find their room made.
ROOM_BATCH = 50


def issue_room(*, booking_id: int) -> int | None:
    """Create the room of a confirmed booking and put the access code in the mailbox.

    Idempotent: a room and its message are committed together, and the booking row is
    locked while its room is made, so a duplicated or retried job finds the room and
    writes nothing. Returns the room's id (never the passcode: task results are logged).
    """
    # Made by an earlier job (a duplicate of this one, or one that made it with its own).
    if made := _VALID_ROOM.rows(booking_id):
        return made[0][0]
    now = timezone.now()
    with transaction.atomic():
        found = _LOCK_BOOKING.rows(booking_id)
        if not found:
            return None
        booking = _LockedBooking(booking_id, *found[0])
        if booking.status != Booking.Status.CONFIRMED or booking.ends_at <= now:
            return None
        # Read after the lock is held, in a statement of its own: a job that waited for
        # the lock must see the room the job before it committed. (A subquery of the
        # locking SELECT would still see the snapshot from before the wait.)
        if made := _VALID_ROOM.rows(booking_id):
            return made[0][0]
        if booking.is_session:
            return _make_participant_room(booking)
        batch, served = [booking], [booking_id]
        local = local_providers()
        if booking.meeting_provider in local:
            others, locked = _lock_others_awaiting(booking_id, now, local)
            batch += others
            served += locked
        rooms_made = _make_rooms(batch)
        Booking.objects.filter(pk__in=served).update(awaiting_room=False)
        return rooms_made[booking_id]


def _lock_others_awaiting(
    booking_id: int, now: dt.datetime, providers: list[str]
) -> tuple[list[_LockedBooking], list[int]]:
    """Other confirmed bookings awaiting a room from one of `providers`, locked without
    waiting (one another transaction holds is left to it): those still without a room,
    and the ids of all locked (a hint can be out of date: the room may exist)."""
    awaiting = (
        Booking.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            status=Booking.Status.CONFIRMED,
            awaiting_room=True,
            slot__ends_at__gt=now,
            slot__office__meeting_provider__in=providers,
            slot__kind=SessionKind.CONSULTATION,  # a session's participants share its room
        )
        .exclude(pk=booking_id)
        .order_by("confirmed_at", "pk")
        .values_list("pk", *_LOCKED_FIELDS)[: ROOM_BATCH - 1]
    )
    others = [_LockedBooking(*row) for row in awaiting]
    if not others:
        return [], []
    # As above: a room committed while the locks were taken is seen only by a statement
    # that starts after they are held.
    with_room = set(
        Room.objects.valid()
        .filter(booking_id__in=[other.pk for other in others])
        .values_list("booking_id", flat=True)
    )
    return [other for other in others if other.pk not in with_room], [o.pk for o in others]


def _make_rooms(bookings: list[_LockedBooking]) -> dict[int, int]:
    """The rooms of locked bookings that have none, with their messages: {booking: room}.
    The unique constraint (one valid room per booking) stays the guard of last resort."""
    rooms = []
    for booking in bookings:
        provider = provider_for(booking.meeting_provider)
        details = provider.create(booking.request())
        rooms.append(
            Room(
                booking_id=booking.pk,
                provider=provider.name,
                meeting_id=details.meeting_id,
                passcode_encrypted=crypto.encrypt(details.passcode),
                join_url=details.join_url,
                external_id=details.external_id,
            )
        )
    rooms = Room.objects.bulk_create(rooms)
    post_new_messages(
        [_access_code(booking, room.pk) for booking, room in zip(bookings, rooms, strict=True)]
    )
    for room in rooms:
        logger.info("room %s issued for booking %s", room.pk, room.booking_id)
    return {room.booking_id: room.pk for room in rooms}


def _make_participant_room(booking: _LockedBooking) -> int:
    """A participant's room of a session (the booking is locked): the session's one
    meeting, made now if this is its first participant, copied, with its message."""
    session_room = _session_room(booking)
    room = Room.objects.create(
        booking_id=booking.pk,
        provider=session_room.provider,
        meeting_id=session_room.meeting_id,
        passcode_encrypted=session_room.passcode_encrypted,
        join_url=session_room.join_url,
        session_room=session_room,
    )
    post_new_messages([_access_code(booking, room.pk)])
    Booking.objects.filter(pk=booking.pk).update(awaiting_room=False)
    logger.info(
        "room %s of session room %s issued for booking %s", room.pk, session_room.pk, booking.pk
    )
    return room.pk


# The namespace of the session-room locks (PostgreSQL advisory locks: key, slot id).
SESSION_ROOM_LOCK = 1015


def _lock_session_room(slot_id: int) -> None:
    """The lock under which a session's room is looked for and made. On PostgreSQL an
    advisory lock of the transaction, not the slot's row: people go on booking seats
    while a provider is slow to make the meeting. Elsewhere (SQLite, which runs one
    write transaction at a time) the slot's row."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SESSION_ROOM_LOCK, slot_id])
    else:
        Slot.objects.select_for_update().filter(pk=slot_id).values_list("pk").first()


def _session_room(booking: _LockedBooking) -> SessionRoom:
    """The session's valid room, made once: under the session's room lock (taken after
    the booking's row lock) it is looked for and made, so the room jobs of two
    participants never make two; the unique constraint stays the guard of last resort."""
    _lock_session_room(booking.slot_id)
    # A statement of its own after the lock is held: it sees a room committed meanwhile.
    found = SessionRoom.objects.filter(slot_id=booking.slot_id, invalidated_at__isnull=True).first()
    if found is not None:
        return found
    provider = provider_for(booking.provider)
    details = provider.create(booking.request())
    session_room = SessionRoom.objects.create(
        slot_id=booking.slot_id,
        provider=provider.name,
        meeting_id=details.meeting_id,
        passcode_encrypted=crypto.encrypt(details.passcode),
        join_url=details.join_url,
        external_id=details.external_id,
    )
    logger.info("session room %s made for slot %s", session_room.pk, booking.slot_id)
    return session_room


def _access_code(booking: _LockedBooking, room_id: int) -> Message:
    """The mailbox message of a new room: the access code itself is shown with it."""
    terms_url = settings.SITE_URL + reverse("office_terms", kwargs={"slug": booking.office_slug})
    user = User.from_db(
        DEFAULT_DB_ALIAS,
        ["id", "email", "language"],
        [booking.user_id, booking.email, booking.language],
    )
    return Message(
        user=user,
        kind=Message.Kind.ACCESS_CODE,
        params={
            "office_name": booking.office_name,
            "office_name_en": booking.office_name_en,
            "office_phone": booking.office_phone.as_national if booking.office_phone else "",
            "starts_at": booking.starts_at,
            "ends_at": booking.ends_at,
            "terms_url": terms_url,
            # A session's participants are not cancelled as no-shows unless staff said so.
            "minutes": (
                settings.NO_SHOW_AFTER_MINUTES
                if not booking.is_session or booking.no_show_applies
                else 0
            ),
            **(
                {"title": booking.slot_title, "title_en": booking.slot_title_en}
                if booking.is_session
                else {}
            ),
        },
        # The key names the room made in this transaction: it cannot exist yet.
        key=f"access-code:{room_id}",
        attachment=f"room:{room_id}",
    )


def invalidate_rooms(*, booking: Booking, rotating: bool = False) -> None:
    """The booking's room stops working now; the provider deletes it after commit.

    A counsellor's fixed room cannot be revoked for one person: its passcode is marked to
    be changed (unless this is that change, `rotating`). A participant's room of a
    session only stops showing the code to them: the session's meeting goes on for the
    others (`close_session_rooms` ends it)."""
    now = timezone.now()
    for room in booking.rooms.valid():
        room.invalidated_at = now
        room.save(update_fields=["invalidated_at"])
        if room.session_room_id is None:
            enqueue_on_commit(delete_room_at_provider_task, room.pk)
        if room.provider == "fixed" and not rotating:
            Counsellor.objects.filter(
                pk=booking.slot.counsellor_id, fixed_room_exposed_at__isnull=True
            ).update(fixed_room_exposed_at=now)


def delete_room_at_provider(*, room_id: int) -> None:
    room = Room.objects.filter(pk=room_id, provider_deleted_at__isnull=True).first()
    if room is None or room.invalidated_at is None:
        return
    provider_for(room.provider).delete(room.external_id)
    Room.objects.filter(pk=room.pk).update(provider_deleted_at=timezone.now())


def sweep_rooms(*, now: dt.datetime | None = None) -> int:
    """Send again what a broker outage or a lost worker dropped: confirmed bookings still
    without a room a short while after confirmation, and room deletions not yet done.
    One query each; safe to run twice (the jobs are idempotent)."""
    now = now or timezone.now()
    due = Booking.objects.filter(
        status=Booking.Status.CONFIRMED,
        confirmed_at__lte=now - dt.timedelta(seconds=settings.ROOM_SWEEP_AFTER_SECONDS),
        slot__ends_at__gt=now,
    ).exclude(Exists(Room.objects.valid().filter(booking=OuterRef("pk"))))
    booking_ids = list(due.values_list("pk", flat=True)[:500])
    for booking_id in booking_ids:
        issue_room_task.apply_async(args=(booking_id,))
    stale = Room.objects.filter(
        invalidated_at__isnull=False,
        provider_deleted_at__isnull=True,
        provider="zoom",
        session_room__isnull=True,
    ).values_list("pk", flat=True)[:500]
    for room_id in stale:
        delete_room_at_provider_task.apply_async(args=(room_id,))
    close_session_rooms(now=now)
    stale_sessions = SessionRoom.objects.filter(
        invalidated_at__isnull=False, provider_deleted_at__isnull=True, provider="zoom"
    ).values_list("pk", flat=True)[:500]
    for session_room_id in stale_sessions:
        delete_session_room_at_provider_task.apply_async(args=(session_room_id,))
    return len(booking_ids)


def invalidate_session_room(*, slot: Slot, now: dt.datetime | None = None) -> int:
    """A cancelled session's meeting ends now: its room and every participant's room are
    invalidated, and the provider deletes the meeting after commit. Returns how many
    session rooms were closed (0 or 1)."""
    now = now or timezone.now()
    closing = list(
        SessionRoom.objects.select_for_update()
        .filter(slot=slot, invalidated_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not closing:
        return 0
    Room.objects.filter(session_room_id__in=closing, invalidated_at__isnull=True).update(
        invalidated_at=now
    )
    SessionRoom.objects.filter(pk__in=closing).update(invalidated_at=now)
    for session_room_id in closing:
        enqueue_on_commit(delete_session_room_at_provider_task, session_room_id)
    return len(closing)


def close_session_rooms(*, now: dt.datetime | None = None) -> int:
    """The meetings of sessions that are over (or cancelled) are closed: one conditional
    UPDATE each for the session rooms and their participants' rooms; the provider deletes
    them after commit (and the sweeper sends again what a broker outage dropped). Safe to
    run twice."""
    now = now or timezone.now()
    over = Q(slot__ends_at__lte=now) | Q(slot__cancelled_at__isnull=False)
    with transaction.atomic():
        closing = list(
            SessionRoom.objects.filter(over, invalidated_at__isnull=True).values_list(
                "pk", flat=True
            )[:500]
        )
        if not closing:
            return 0
        SessionRoom.objects.filter(pk__in=closing, invalidated_at__isnull=True).update(
            invalidated_at=now
        )
        Room.objects.filter(session_room_id__in=closing, invalidated_at__isnull=True).update(
            invalidated_at=now
        )
        for session_room_id in closing:
            enqueue_on_commit(delete_session_room_at_provider_task, session_room_id)
    logger.info("%s session rooms closed", len(closing))
    return len(closing)


def delete_session_room_at_provider(*, session_room_id: int) -> None:
    room = SessionRoom.objects.filter(pk=session_room_id, provider_deleted_at__isnull=True).first()
    if room is None or room.invalidated_at is None:
        return
    provider_for(room.provider).delete(room.external_id)
    SessionRoom.objects.filter(pk=room.pk).update(provider_deleted_at=timezone.now())


@shared_task(
    name="bookings.tasks.issue_room",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ProviderError,),
    retry_backoff=5,
    retry_backoff_max=300,
    max_retries=8,
)
def issue_room_task(booking_id: int) -> int | None:
    return issue_room(booking_id=booking_id)


@shared_task(
    name="bookings.tasks.delete_room_at_provider",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ProviderError,),
    retry_backoff=5,
    max_retries=8,
)
def delete_room_at_provider_task(room_id: int) -> None:
    delete_room_at_provider(room_id=room_id)


@shared_task(
    name="bookings.tasks.delete_session_room_at_provider",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(ProviderError,),
    retry_backoff=5,
    max_retries=8,
)
def delete_session_room_at_provider_task(session_room_id: int) -> None:
    delete_session_room_at_provider(session_room_id=session_room_id)


@shared_task(name="bookings.tasks.sweep_rooms", acks_late=True)
def sweep_rooms_task() -> int:
    return sweep_rooms()
