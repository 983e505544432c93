"""Continuing support (I2(3)): an office assigns a person an individual counsellor, whose
slots the person then books; staff end the assignment. The assignment row records who
assigned and ended it, and when; the person's account trail notes both."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AccountEvent, User

from ..errors import BookingError
from ..models import ContinuingSupport, Counsellor
from ..selectors.staff import walls_of
from ..selectors.support import assignment_refusal


@transaction.atomic
def assign_counsellor(
    *, user: User, counsellor: Counsellor, actor: User, now: dt.datetime | None = None
) -> ContinuingSupport:
    """Make `counsellor` the person's counsellor at the counsellor's office; an earlier
    assignment there ends (by `actor`, now). Assigning the same counsellor again changes
    nothing."""
    refusal = assignment_refusal(user=user, counsellor=counsellor, actor=actor)
    if refusal:
        raise BookingError(refusal, "support")
    now = now or timezone.now()
    office = counsellor.office
    current = (
        ContinuingSupport.objects.select_for_update()
        .filter(user=user, office=office, ended_at__isnull=True)
        .first()
    )
    if current is not None:
        if current.counsellor_id == counsellor.pk:
            return current
        _end(current, actor=actor, now=now)
    try:
        with transaction.atomic():
            support = ContinuingSupport.objects.create(
                user=user, office=office, counsellor=counsellor, assigned_by=actor, assigned_at=now
            )
    except IntegrityError:  # another assignment of this person committed meanwhile
        raise BookingError(
            _("This person has just been assigned a counsellor. Reload the page and check."),
            "support",
        ) from None
    AccountEvent.objects.create(
        user=user,
        actor=actor,
        action=AccountEvent.Action.COUNSELLOR_ASSIGNED,
        note=f"{office.name}: {counsellor.display_name}",
        at=now,
    )
    return support


@transaction.atomic
def end_support(
    *, support: ContinuingSupport, actor: User, now: dt.datetime | None = None
) -> ContinuingSupport:
    """End an assignment: the person books any counsellor's slots at the office again."""
    support = (
        ContinuingSupport.objects.select_for_update()
        .select_related("office", "counsellor")
        .get(pk=support.pk)
    )
    if not walls_of(actor).may("bookings.change_continuingsupport", support.office_id):
        raise BookingError(_("You cannot end assignments at this office."), "support")
    if support.ended_at is not None:
        raise BookingError(_("This assignment has already ended."), "state")
    _end(support, actor=actor, now=now or timezone.now())
    return support


def _end(support: ContinuingSupport, *, actor: User, now: dt.datetime) -> None:
    support.ended_at = now
    support.ended_by = actor
    support.save(update_fields=["ended_at", "ended_by"])
    AccountEvent.objects.create(
        user_id=support.user_id,
        actor=actor,
        action=AccountEvent.Action.COUNSELLOR_UNASSIGNED,
        note=f"{support.office.name}: {support.counsellor.display_name}",
        at=now,
    )
