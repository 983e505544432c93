"""Attendance, the 10-minute no-show rule (I4(3), K6(5)), no-show restrictions, immediate
consultations (K6の2) and suspension's effect on bookings."""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Message
from accounts.services import post_message
from terms.models import Consent

from . import eligibility, my_page_cache, rooms, slot_cache
from .models import Booking, Counsellor, NoShowLift, Office, Slot
from .services import BookingError, confirm_booking, log_event

logger = logging.getLogger(__name__)


# --- what the counsellor records ---------------------------------------------------------

MARKS = {"started": "started_at", "completed": "completed_at", "contacted": "contacted_at"}


@transaction.atomic
def record(*, booking: Booking, mark: str, actor, now: dt.datetime | None = None) -> Booking:
    """The counsellor's "started", "completed" or "the person phoned", with the time."""
    field = MARKS[mark]
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status not in (Booking.Status.CONFIRMED, Booking.Status.COMPLETED):
        raise BookingError(_("Only a confirmed booking can be marked."), "state")
    now = now or timezone.now()
    setattr(booking, field, getattr(booking, field) or now)
    fields = [field]
    if mark == "completed":
        booking.status = Booking.Status.COMPLETED
        fields.append("status")
    booking.save(update_fields=fields)
    log_event(booking=booking, action=mark, actor=actor)
    return booking


# --- the no-show sweep -------------------------------------------------------------------


def sweep_no_shows(*, now: dt.datetime | None = None) -> int:
    """Cancel as no-shows the confirmed bookings with no join, no start and no contact
    NO_SHOW_AFTER_MINUTES after their start. One conditional UPDATE: a join that commits
    first wins (the row no longer matches), running twice or late changes nothing more."""
    now = now or timezone.now()
    deadline = now - dt.timedelta(minutes=settings.NO_SHOW_AFTER_MINUTES)
    conditions = {
        "status": Booking.Status.CONFIRMED,
        "joined_at__isnull": True,
        "started_at__isnull": True,
        "contacted_at__isnull": True,
    }
    due = list(
        Booking.objects.filter(slot__starts_at__lte=deadline, **conditions).values_list(
            "pk", flat=True
        )
    )
    if not due:
        return 0
    with transaction.atomic():
        # The UPDATE repeats every condition on the booking row itself, so PostgreSQL
        # re-checks them after waiting for a concurrent join: a join that commits first
        # makes the row no longer match. (A condition through a join would not be
        # re-checked.)
        marked = Booking.objects.filter(pk__in=due, **conditions).update(
            status=Booking.Status.NO_SHOW, no_show_at=now, cancelled_at=now
        )
        if not marked:
            return 0
        # `no_show_at=now` tags exactly the rows this run changed.
        for booking in Booking.objects.filter(
            status=Booking.Status.NO_SHOW, no_show_at=now
        ).select_related("slot__office", "user"):
            log_event(booking=booking, action="no_show", note=f"{settings.NO_SHOW_AFTER_MINUTES}")
            my_page_cache.changed(booking.user_id)  # the UPDATE above sent no signal
            rooms.invalidate_rooms(booking=booking)
            _tell_no_show(booking)
    logger.info("%s bookings cancelled as no-shows", marked)
    return marked


def _tell_no_show(booking: Booking) -> None:
    office = booking.slot.office
    post_message(
        user=booking.user,
        kind=Message.Kind.NO_SHOW,
        subject=f"予約をキャンセルしました（連絡なし・開始10分経過）（{office.name}）",
        body=(
            f"{rooms.japanese_when(booking)}の相談は、開始から10分を過ぎても参加・連絡がなかったため、"
            "キャンセルとしました。\n"
            "連絡のないキャンセルが続くと、オンライン相談の予約ができなくなる場合があります。\n"
            f"ご事情がある場合は、{office.phone.as_national} までお電話ください。\n\n"
            "Your booking was cancelled as a no-show (no join or contact 10 minutes after the "
            "start). If this is a mistake, please phone the office."
        ),
        key=f"no-show:{booking.pk}",
    )


@transaction.atomic
def undo_no_show(*, booking: Booking, actor, reason: str) -> Booking:
    """The counsellor corrects a no-show (the person had phoned), with a reason."""
    if not reason.strip():
        raise BookingError(_("Give a reason for undoing the no-show."), "reason")
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != Booking.Status.NO_SHOW:
        raise BookingError(_("This booking is not a no-show."), "state")
    booking.status = Booking.Status.CONFIRMED
    booking.no_show_at = None
    booking.cancelled_at = None
    booking.contacted_at = booking.contacted_at or timezone.now()
    booking.save(update_fields=["status", "no_show_at", "cancelled_at", "contacted_at"])
    log_event(booking=booking, action="no_show_undone", actor=actor, note=reason)
    return booking


# --- restrictions --------------------------------------------------------------------------


def restricted_users(office: Office, *, now: dt.datetime | None = None) -> list[dict]:
    """People whose no-shows at the office reach its policy (after any lift)."""
    if not office.no_show_limit:
        return []
    now = now or timezone.now()
    since = now - dt.timedelta(days=office.no_show_window_days)
    lifts = dict(
        NoShowLift.objects.filter(office=office)
        .values("user_id")
        .annotate(last=Max("at"))
        .values_list("user_id", "last")
    )
    rows = (
        Booking.objects.filter(
            slot__office=office, status=Booking.Status.NO_SHOW, slot__starts_at__gte=since
        )
        .values("user_id", "user__email", "slot__starts_at")
        .order_by("user_id", "slot__starts_at")
    )
    counts: dict[int, dict] = {}
    for row in rows:
        if row["user_id"] in lifts and row["slot__starts_at"] <= lifts[row["user_id"]]:
            continue
        entry = counts.setdefault(
            row["user_id"], {"user_id": row["user_id"], "email": row["user__email"], "count": 0}
        )
        entry["count"] += 1
        entry["last"] = row["slot__starts_at"]
    return [e for e in counts.values() if e["count"] >= office.no_show_limit]


@transaction.atomic
def lift_restriction(*, office: Office, user, actor, reason: str) -> NoShowLift:
    if not reason.strip():
        raise BookingError(_("Give a reason for lifting the restriction."), "reason")
    return NoShowLift.objects.create(office=office, user=user, lifted_by=actor, reason=reason)


# --- immediate consultations (K6の2) -------------------------------------------------------


def pending_immediate(user) -> list[Booking]:
    return list(
        Booking.objects.filter(
            user=user,
            is_immediate=True,
            status=Booking.Status.CONFIRMED,
            slot__ends_at__gt=timezone.now(),
        ).select_related("slot__office")
    )


def phone_change_refusal(user) -> str | None:
    if pending_immediate(user):
        return _(
            "The phone number cannot be changed while an immediate consultation is pending: "
            "the office uses it to check that it is you."
        )
    return None


def phone_locked_until(user) -> dt.datetime | None:
    """An immediate consultation is refused while a phone change is this recent."""
    profile = eligibility.profile_of(user)
    if not profile.phone_changed_at:
        return None
    until = profile.phone_changed_at + dt.timedelta(hours=settings.IMMEDIATE_PHONE_LOCK_HOURS)
    return until if until > timezone.now() else None


@transaction.atomic
def start_immediate_consultation(*, counsellor: Counsellor, user, now=None) -> Booking:
    """A counsellor starts a 30-minute consultation now for a person whose consent to the
    office's terms is on record (K6の2(1)). If the terms changed since, the person sees the
    latest terms first and gets the access code only after agreeing again (K6の2(2))."""
    office = counsellor.office
    now = (now or timezone.now()).replace(second=0, microsecond=0)
    if user.is_suspended:
        raise BookingError(_("This person's use is suspended."), "suspended")
    if not Consent.objects.filter(user=user, version__document__offices=office).exists():
        raise BookingError(
            _("This person has no consent to this office's terms on record."), "terms"
        )
    if office.no_show_limit and any(r["user_id"] == user.pk for r in restricted_users(office)):
        raise BookingError(_("This person's online bookings are restricted (no-shows)."), "no_show")
    profile = eligibility.profile_of(user)
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
    slot_cache.changed(office.pk)
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
    log_event(booking=booking, action="immediate_started", actor=counsellor.user)
    return confirm_booking(booking=booking, actor=counsellor.user)


# --- suspension ------------------------------------------------------------------------------


def cancel_bookings_of_suspended(*, user, actor, reason: str) -> int:
    """Every open booking of a suspended person is cancelled; rooms stop working."""
    from .services import cancel_booking

    count = 0
    for booking in Booking.objects.filter(user=user, status__in=Booking.ACTIVE):
        cancel_booking(booking=booking, actor=actor, reason=reason, on_behalf=True)
        count += 1
    return count
