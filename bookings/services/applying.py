"""Applying for a slot: the person and the slot locked, what the rules need read once, the
seat checked first, then the booking made.

A consultation slot seen full without a lock is refused at once (one statement: a rush's
late applicants wait for no lock). Otherwise `applying` opens the transaction, takes the
locks and reads (four statements in two round trips, `portal.internals.rows_together`:
the person with their profile and the slot with its office and the person's standing
there, then the seats with the person's bookings and the terms still to agree to; a
session's waiting list one more, between them); the seat is checked first there too,
before any rule is asked. The view validates its form against what was read, and `apply_for`
makes the booking inside the same transaction. `create_booking` is both in one call."""

import dataclasses
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Required, TypedDict, Unpack

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import Profile, User
from portal.internals import Columns, PreparedQuery, rows_together
from terms.selectors import AgreementDue, agreements_due

from ..errors import BookingError
from ..models import Booking, BookingEvent, Office, Slot
from ..selectors import eligibility, sessions
from ..selectors.applying import (
    AtSlot,
    agreements_due_statement,
    at_slot_from,
    at_slot_statement,
    seen_taken,
    slot_with_standing_from,
    slot_with_standing_statement,
    standing_of,
)
from ..selectors.waiting import refuse_queue_jump
from .bookings import (
    _insert_booking,
    announce_confirmed,
    check_slot_is_bookable,
    refuse_overlap,
    tell_request_received,
)
from .consent import record_booking_consent


class ApplicationDetails(TypedDict, total=False):
    """What the person's application says (`apply_for`)."""

    full_name: Required[str]
    full_name_kana: Required[str]
    job_seeker_number: Required[str]
    phone: Required[PhoneNumber | str]
    interpreter_attending: bool
    interpreter_note: str
    registering: bool  # "I have not registered yet and will register" (K2(2))
    acknowledged_versions: set[int] | None  # the terms versions ticked in the form
    ip_address: str | None
    user_agent: str


@dataclass(frozen=True)
class Applying:
    """One person applying for one slot, as read under the locks."""

    user: User
    profile: Profile
    slot: Slot
    office: Office
    now: dt.datetime
    standing: eligibility.Standing
    at_slot: AtSlot
    due: list[AgreementDue]

    @property
    def terms_revised(self) -> bool:
        """A document the person agreed to has a newer version in force: they read what
        changed first (the terms page), applying does not count as agreeing to it."""
        return any(need.is_revision for need in self.due)

    @property
    def terms_to_accept(self) -> list:
        """The versions the application form asks them to agree to (applying counts)."""
        return [need.version for need in self.due if not need.is_revision]

    @property
    def offers_registering(self) -> bool:
        return not self.slot.is_session and eligibility.may_apply_as_registering(
            self.office, self.profile
        )

    def refusals(
        self, application: eligibility.Application | None = None
    ) -> list[eligibility.Refusal]:
        return eligibility.refusals(
            self.user,
            self.office,
            now=self.now,
            slot=self.slot,
            application=application,
            standing=self.standing,
        )


_PROFILE = Columns(Profile, prefix="profile__")


def _person_with_profile(user_id: int) -> QuerySet:
    return (
        User.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk=user_id)
        .values_list("pk", *_PROFILE.lookups)
    )


_PERSON_WITH_PROFILE = PreparedQuery(_person_with_profile)


def _lock_person_with_profile(user: User) -> Profile:
    """Lock the person's row (as `bookings.lock_person`) and read their profile with it."""
    return _profile_from(user, _PERSON_WITH_PROFILE.rows(user.pk))


def _profile_from(user: User, rows: list[tuple]) -> Profile:
    if rows and rows[0][1] is not None:  # the profile's id: they have one
        profile = _PROFILE.build(rows[0], 1)
        profile.user = user  # as the ORM's select_related would have it
    else:
        profile, _created = Profile.objects.get_or_create(user=user)
    user._cached_profile = profile  # type: ignore[attr-defined]  # accounts.profile_for
    return profile


@contextmanager
def applying(
    *,
    user: User,
    slot_id: int,
    office: Office | None = None,
    slug: str | None = None,
    now: dt.datetime | None = None,
) -> Iterator[Applying]:
    """Inside one transaction: the person, then the slot locked (the lock order of
    `bookings.lock_person`), and what applying needs read. Raises a BookingError for a
    slot that is missing ("missing"), of another office than `office` or `slug`, closed,
    already booked by the person or just taken; nothing is written."""
    now = now or timezone.now()
    if seen_taken(user, slot_id, slug):  # a rush's late applicants wait for no lock
        raise BookingError(_("This slot has just been taken. Please choose another."), "taken")
    with transaction.atomic():
        # One round trip with the transaction's BEGIN: the person locked, then the slot.
        person_rows, slot_rows = rows_together(
            (_PERSON_WITH_PROFILE, (user.pk,)), slot_with_standing_statement(user, slot_id)
        )
        profile = _profile_from(user, person_rows)
        slot = slot_with_standing_from(slot_rows)
        if slot is None:
            raise BookingError(_("This slot does not exist. Please choose another."), "missing")
        if slug is not None and slot.office.slug != slug:
            raise BookingError(_("This slot does not belong to this office."), "other_office")
        check_slot_is_bookable(slot=slot, office=office or slot.office, now=now)
        office = slot.office
        if slot.is_session:  # a full one with a waiting list: join it (its seats are kept)
            refuse_queue_jump(slot=slot, user=user)
        # One round trip: the bookings the rules count, and the terms still to agree to.
        booking_rows, due_rows = rows_together(
            at_slot_statement(user, slot, office), agreements_due_statement(user, office, slot)
        )
        found = at_slot_from(booking_rows, user, slot, office, now)
        if found.already_booked:
            raise BookingError(_("You have already booked this slot."), "duplicate")
        if found.free_seat(slot.capacity) is None:
            raise BookingError(_("This slot has just been taken. Please choose another."), "taken")
        standing = dataclasses.replace(
            standing_of(slot),
            no_shows=found.no_shows,
            open_consultations=found.open_consultations,
            open_of_kind=found.open_of_kind,
        )
        due = agreements_due(due_rows, now)
        yield Applying(user, profile, slot, office, now, standing, found, due)


def apply_for(applying: Applying, **details: Unpack[ApplicationDetails]) -> Booking:
    """Make the booking `applying` was read for, inside its transaction. Confirmed at once,
    or a request for offices whose counsellor decides and for a person about to register
    (`registering`, K2(2)); a session by its own rule (confirmed at once unless staff
    ticked otherwise, I1). Refused with a BookingError when any rule fails."""
    user, slot, office, now = applying.user, applying.slot, applying.office, applying.now
    registering = details.get("registering", False)
    interpreter_attending = details.get("interpreter_attending", False)
    application = eligibility.Application(details["job_seeker_number"], registering)
    refused = applying.refusals(application)
    if refused:
        raise BookingError(refused[0].reason, refused[0].code)
    if applying.at_slot.overlapping:
        refuse_overlap(user=user, slot=slot)  # says with which booking
    record_booking_consent(
        user=user,
        due=applying.due,
        acknowledged=details.get("acknowledged_versions") or set(),
        ip_address=details.get("ip_address"),
        user_agent=details.get("user_agent", ""),
    )
    at_once = not sessions.needs_confirmation(office, slot, registering=registering)
    booking = _insert_booking(
        slot=slot,
        seat=applying.at_slot.free_seat(slot.capacity),
        user=user,
        status=Booking.Status.CONFIRMED if at_once else Booking.Status.REQUESTED,
        confirmed_at=now if at_once else None,
        awaiting_room=at_once,
        full_name=details["full_name"],
        full_name_kana=details["full_name_kana"],
        job_seeker_number=details["job_seeker_number"],
        phone=details["phone"],
        interpreter_attending=interpreter_attending,
        interpreter_note=details.get("interpreter_note", "") if interpreter_attending else "",
        registering=registering,
        created_at=now,
    )
    events = [BookingEvent(booking=booking, action=BookingEvent.Action.REQUESTED, actor=user)]
    if at_once:  # as `confirm_booking` would, without reading back what was just written
        events.append(BookingEvent(booking=booking, action=BookingEvent.Action.CONFIRMED))
    BookingEvent.objects.bulk_create(events)
    if at_once:
        announce_confirmed(booking)
    else:
        tell_request_received(booking)
    return booking


def create_booking(
    *,
    user: User,
    office: Office,
    slot_id: int,
    now: dt.datetime | None = None,
    **details: Unpack[ApplicationDetails],
) -> Booking:
    """Apply for a slot in one call (`applying`, then `apply_for`): for callers that have
    no form to check against what was read."""
    with applying(user=user, office=office, slot_id=slot_id, now=now) as state:
        return apply_for(state, **details)
