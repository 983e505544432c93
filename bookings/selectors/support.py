"""Continuing support (I2(3)): the individual counsellor an office assigned a person, and
who may assign one."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _

from accounts.models import User

from ..models import ContinuingSupport, Counsellor, Office
from .staff import people_of, walls_of


def support_of(user: User | AnonymousUser, office: Office) -> ContinuingSupport | None:
    """The person's current assignment at the office (with its counsellor), if any."""
    if not user.is_authenticated:
        return None
    return (
        ContinuingSupport.objects.filter(user=user, office=office, ended_at__isnull=True)
        .select_related("counsellor")
        .first()
    )


@dataclass(frozen=True)
class OwnCounsellor:
    """The counsellor assigned to the person at an office, as the office page shows it."""

    pk: int
    display_name: str


def with_own_counsellor(offices: QuerySet[Office], user: User | AnonymousUser) -> QuerySet[Office]:
    """`offices`, each with the person's current counsellor there (`own_counsellor`), read
    in the same query as the office: the office page costs no query more for it."""
    if not user.is_authenticated:
        return offices
    current = ContinuingSupport.objects.filter(
        office=OuterRef("pk"), user=user, ended_at__isnull=True
    )
    return offices.annotate(
        own_counsellor_id=Subquery(current.values("counsellor_id")[:1]),
        own_counsellor_name=Subquery(current.values("counsellor__display_name")[:1]),
    )


def own_counsellor(office: Office) -> OwnCounsellor | None:
    """The counsellor `with_own_counsellor` found for the person at this office, if any."""
    pk = getattr(office, "own_counsellor_id", None)
    return OwnCounsellor(pk, office.own_counsellor_name) if pk else None  # type: ignore[attr-defined]


def own_counsellor_at(user: User | AnonymousUser, office: Office) -> OwnCounsellor | None:
    """The person's current counsellor at the office, if any, read on its own (one query)."""
    if not user.is_authenticated:
        return None
    found = (
        ContinuingSupport.objects.filter(user=user, office=office, ended_at__isnull=True)
        .values_list("counsellor_id", "counsellor__display_name")
        .first()
    )
    return OwnCounsellor(*found) if found is not None else None


def assignment_refusal(*, user: User, counsellor: Counsellor, actor: User) -> str | None:
    """Why `actor` may not make `counsellor` the person's counsellor (None: they may).

    Only staff who may add assignments at the counsellor's office assign, an active
    counsellor, to one of the office's people (a booking, consent or account there)."""
    office_id = counsellor.office_id
    if not walls_of(actor).may("bookings.add_continuingsupport", office_id):
        return _("You cannot assign counsellors at this office.")
    if not counsellor.is_active:
        return _("This counsellor is not active.")
    if not User.objects.filter(people_of({office_id}), pk=user.pk).exists():
        return _("This person has no booking, consent or account at this office.")
    return None
