"""Slots and bookings inside a counsellor's absence (不在) or an office's closure.

Each condition is one `Exists` subquery on the slot's own columns, so a list of bookings
to move is one query whatever the number of absences, closures and bookings."""

import datetime as dt

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import ExtractDay, ExtractMonth, TruncDate
from django.utils import timezone

from ..models import Absence, Booking, OfficeClosure, Slot


def _month_day(field: str, tzinfo: dt.tzinfo | None = None) -> CombinedExpression:
    return ExtractMonth(field, tzinfo=tzinfo) * 100 + ExtractDay(field, tzinfo=tzinfo)


def _inside_absence(prefix: str) -> Exists:
    return Exists(
        Absence.objects.filter(
            counsellor_id=OuterRef(f"{prefix}counsellor_id"),
            starts_at__lt=OuterRef(f"{prefix}ends_at"),
            ends_at__gt=OuterRef(f"{prefix}starts_at"),
        )
    )


def _inside_closure(prefix: str) -> Exists:
    """A closure of the slot's office covers the slot's day (Japan time); a closure of
    every year compares month and day, also across the new year (12/29–1/3)."""
    closures = OfficeClosure.objects.annotate(
        start_md=_month_day("start_date"), end_md=_month_day("end_date")
    ).filter(office_id=OuterRef(f"{prefix}office_id"))
    day, month_day = OuterRef("_away_day"), OuterRef("_away_md")
    once = Q(every_year=False, start_date__lte=day, end_date__gte=day)
    within_year = Q(every_year=True, start_md__lte=F("end_md")) & Q(
        start_md__lte=month_day, end_md__gte=month_day
    )
    across_new_year = Q(every_year=True, start_md__gt=F("end_md")) & (
        Q(start_md__lte=month_day) | Q(end_md__gte=month_day)
    )
    return Exists(closures.filter(once | within_year | across_new_year))


def _annotated(queryset: QuerySet, prefix: str) -> QuerySet:
    tz = timezone.get_current_timezone()
    return queryset.annotate(
        _away_day=TruncDate(f"{prefix}starts_at", tzinfo=tz),
        _away_md=_month_day(f"{prefix}starts_at", tz),
    )


def away(queryset: QuerySet, *, prefix: str = "") -> QuerySet:
    """The rows of `queryset` (slots, or bookings with prefix "slot__") whose slot lies
    inside an absence of its counsellor or a closure of its office."""
    return _annotated(queryset, prefix).filter(_inside_absence(prefix) | _inside_closure(prefix))


def not_absent(queryset: QuerySet, *, prefix: str = "") -> QuerySet:
    """The rows of `queryset` whose slot lies inside no absence of its counsellor."""
    return queryset.exclude(_inside_absence(prefix))


def free_slots_away(
    *,
    office_ids: set[int] | None = None,
    counsellor_id: int | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[Slot]:
    """Open slots still to come, without an active booking, inside an absence or closure:
    the slots to close."""
    slots = Slot.objects.filter(cancelled_at__isnull=True, starts_at__gt=now or timezone.now())
    if office_ids is not None:
        slots = slots.filter(office_id__in=office_ids)
    if counsellor_id is not None:
        slots = slots.filter(counsellor_id=counsellor_id)
    slots = slots.exclude(
        Exists(Booking.objects.filter(slot=OuterRef("pk"), status__in=Booking.ACTIVE))
    )
    return away(slots)


def bookings_to_move(
    queryset: QuerySet[Booking] | None = None, *, now: dt.datetime | None = None
) -> QuerySet[Booking]:
    """Open bookings still to come whose slot lies inside an absence or a closure: staff
    move them to another counsellor or the person chooses a new time."""
    bookings = Booking.objects.all() if queryset is None else queryset
    bookings = bookings.filter(status__in=Booking.ACTIVE, slot__starts_at__gt=now or timezone.now())
    return away(bookings, prefix="slot__")


def replacement_slot(booking: Booking, *, now: dt.datetime | None = None) -> Slot | None:
    """Another counsellor's free slot of the same office at the same time and of the same
    kind, where that counsellor is not away: where a booking inside an absence can go."""
    slot = booking.slot
    candidates = Slot.objects.filter(
        office_id=slot.office_id,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        kind=slot.kind,
        cancelled_at__isnull=True,
        counsellor__is_active=True,
        starts_at__gt=now or timezone.now(),
    ).exclude(counsellor_id=slot.counsellor_id)
    candidates = candidates.exclude(
        Exists(Booking.objects.filter(slot=OuterRef("pk"), status__in=Booking.ACTIVE))
    ).exclude(pk__in=away(Slot.objects.filter(office_id=slot.office_id)).values("pk"))
    return candidates.order_by("counsellor__display_name", "pk").first()
