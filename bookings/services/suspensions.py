"""Suspending a person's use at an office (T9, I8(2), I10(1), K12(1)), and lifting it.

A suspension is one office's measure: it cancels the person's open bookings there, stops
their access codes and starts there, and ends their signed-in sessions at once. Only a
national administrator suspends everywhere (no office). Each is logged with who and why."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Message, User
from accounts.services import end_sessions, post_message

from .. import caches
from ..errors import BookingError
from ..models import Booking, Office, Suspension
from ..selectors.staff import walls_of
from ..selectors.suspensions import forget_suspensions
from .bookings import cancel_booking


def _may_suspend(actor: User, office: Office | None) -> bool:
    walls = walls_of(actor)
    if office is None:
        return walls.everywhere
    return walls.may("bookings.suspend_person", office.pk)


@transaction.atomic
def suspend_person(*, user: User, office: Office | None, actor: User, reason: str) -> Suspension:
    """Suspend at once at `office` (None: everywhere). A second suspension of the same
    reach returns the one in force."""
    if not reason.strip():
        raise BookingError(_("Give a reason: the person is told why."), "reason")
    if not _may_suspend(actor, office):
        raise PermissionDenied
    existing = Suspension.objects.filter(user=user, office=office, lifted_at__isnull=True).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            suspension = Suspension.objects.create(
                user=user, office=office, reason=reason, suspended_by=actor
            )
    except IntegrityError:  # suspended meanwhile by someone else
        return Suspension.objects.get(user=user, office=office, lifted_at__isnull=True)
    bookings = Booking.objects.filter(user=user, status__in=Booking.ACTIVE)
    if office is not None:
        bookings = bookings.filter(slot__office=office)
    for booking in bookings:
        cancel_booking(booking=booking, actor=actor, reason=reason, on_behalf=True)
    params: dict[str, object] = {"reason": reason, "suspended_at": suspension.suspended_at}
    if office is not None:
        params.update(
            office_id=office.pk,
            office_name=office.name,
            office_name_en=office.name_en,
            office_phone=office.phone.as_national if office.phone else "",
        )
    post_message(
        user=user,
        kind=Message.Kind.SUSPENDED,
        params=params,
        key=f"suspended:{suspension.pk}",
    )
    caches.my_page.changed(user.pk)
    forget_suspensions(user)
    transaction.on_commit(lambda: end_sessions(user=user))
    return suspension


@transaction.atomic
def lift_suspension(*, suspension: Suspension, actor: User, reason: str) -> Suspension:
    if not reason.strip():
        raise BookingError(_("Give a reason for lifting the suspension."), "reason")
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if not _may_suspend(actor, suspension.office):
        raise PermissionDenied
    if suspension.lifted_at is None:
        suspension.lifted_at = timezone.now()
        suspension.lifted_by = actor
        suspension.lift_reason = reason
        suspension.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        caches.my_page.changed(suspension.user_id)
    forget_suspensions(suspension.user)
    return suspension
