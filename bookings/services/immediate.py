"""Immediate (ad-hoc) consultations (K6の2): a counsellor starts one now for a person whose
consent is on record; the registered phone is the identity check."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import profile_for
from terms.models import Consent

from .. import caches
from ..errors import BookingError
from ..models import Booking, BookingEvent, Counsellor, Slot
from ..selectors.restrictions import counted_no_show
from ..selectors.suspensions import is_suspended_at
from .bookings import confirm_booking, lock_person, refuse_overlap
from .events import log_event


def pending_immediate(user: User) -> list[Booking]:
    return list(
        Booking.objects.filter(
            user=user,
            is_immediate=True,
            status=Booking.Status.CONFIRMED,
            slot__ends_at__gt=timezone.now(),
        ).select_related("slot__office")
    )


def phone_change_refusal(user: User) -> str | None:
    if pending_immediate(user):
        return _(
            "The phone number cannot be changed while an immediate consultation is pending: "
            "the office uses it to check that it is you."
        )
    return None


def phone_locked_until(user: User) -> dt.datetime | None:
    """An immediate consultation is refused while a phone change is this recent."""
    profile = profile_for(user)
    if not profile.phone_changed_at:
        return None
    until = profile.phone_changed_at + dt.timedelta(hours=settings.IMMEDIATE_PHONE_LOCK_HOURS)
    return until if until > timezone.now() else None


@transaction.atomic
def start_immediate_consultation(
    *, counsellor: Counsellor, user: User, now: dt.datetime | None = None
) -> Booking:
    """A counsellor starts a 30-minute consultation now for a person whose consent to the
    office's terms is on record (K6の2(1)). If the terms changed since, the person sees the
    latest terms first and gets the access code only after agreeing again (K6の2(2))."""
    office = counsellor.office
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    if is_suspended_at(user, office):
        raise BookingError(_("This person's use is suspended."), "suspended")
    if not Consent.objects.filter(user=user, version__document__offices=office).exists():
        raise BookingError(
            _("This person has no consent to this office's terms on record."), "terms"
        )
    no_shows = Booking.objects.filter(counted_no_show(office, now), user=user).count()
    if office.no_show_limit and no_shows >= office.no_show_limit:
        raise BookingError(_("This person's online bookings are restricted (no-shows)."), "no_show")
    profile = profile_for(user)
    if not profile.phone:
        raise BookingError(_("This person's profile has no registered phone."), "profile")
    locked = phone_locked_until(user)
    if locked:
        raise BookingError(
            _(
                "The phone number was changed recently: for the identity check, an immediate "
                "consultation is possible from %(when)s."
            )
            % {"when": timezone.localtime(locked).strftime("%Y-%m-%d %H:%M")},
            "phone_changed",
        )
    # The person cannot be in two consultations at once, at this office or another.
    lock_person(user.pk)
    length = dt.timedelta(minutes=office.slot_minutes)
    refuse_overlap(user=user, slot=Slot(starts_at=now, ends_at=now + length), by_staff=True)
    overlapping = Slot.objects.select_for_update().filter(
        counsellor=counsellor,
        cancelled_at__isnull=True,
        starts_at__lt=now + dt.timedelta(minutes=office.slot_minutes),
        ends_at__gt=now,
    )
    if Booking.objects.filter(slot__in=overlapping, status__in=Booking.ACTIVE).exists():
        raise BookingError(_("You have another consultation at this time."), "overlap")
    # Free slots of the counsellor at this time close: the counsellor is busy now.
    overlapping.update(cancelled_at=now)
    caches.slot_weeks.changed(office.pk)
    slot = Slot.objects.create(
        office=office,
        counsellor=counsellor,
        starts_at=now,
        ends_at=now + dt.timedelta(minutes=office.slot_minutes),
        title="臨時的利用（即時相談）",
        title_en="Immediate consultation",
    )
    booking = Booking.objects.create(
        slot=slot,
        user=user,
        status=Booking.Status.REQUESTED,
        full_name=profile.full_name or user.email,
        full_name_kana=profile.full_name_kana,
        job_seeker_number=profile.job_seeker_number,
        phone=profile.phone,
        booked_by=counsellor.user,
        is_immediate=True,
        started_at=now,
    )
    log_event(booking=booking, action=BookingEvent.Action.IMMEDIATE_STARTED, actor=counsellor.user)
    return confirm_booking(booking=booking, actor=counsellor.user)
