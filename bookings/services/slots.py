"""Slots published from the counsellors' weekly templates."""

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .. import caches, calendar
from ..models import Office, Slot, SlotTemplate
from ..selectors.slot_rules import template_refusal


def _template_starts(template: SlotTemplate, office: Office) -> list[dt.time]:
    if template.end_time is None:
        return [template.start_time]
    starts, length = [], dt.timedelta(minutes=office.slot_minutes)
    cursor = dt.datetime.combine(dt.date.min, template.start_time)
    end = dt.datetime.combine(dt.date.min, template.end_time)
    while cursor + length <= end:
        starts.append(cursor.time())
        cursor += length
    return starts


def generate_slots(*, office: Office, start: dt.date, weeks: int) -> int:
    """Create the slots of the office's weekly templates for `weeks` weeks from `start`.

    Weekends, Japanese public holidays and the office's closures are skipped. Running it
    again creates nothing new (an existing or overlapping slot is left alone). Returns how
    many slots were created.
    """
    closures = list(office.closures.all())
    templates = [
        template
        for template in office.slot_templates.filter(is_active=True).select_related("counsellor")
        # A template made before the office's rules changed publishes nothing outside them.
        if template_refusal(
            office, weekday=template.weekday, start=template.start_time, end=template.end_time
        )
        is None
    ]
    length = dt.timedelta(minutes=office.slot_minutes)
    candidates = []
    for offset in range(weeks * 7):
        day = start + dt.timedelta(days=offset)
        if not calendar.is_open_day(office, day, closures):
            continue
        for template in templates:
            if template.weekday != day.weekday() or not template.counsellor.is_active:
                continue
            for start_time in _template_starts(template, office):
                starts_at = timezone.make_aware(dt.datetime.combine(day, start_time))
                candidates.append(
                    Slot(
                        office=office,
                        counsellor=template.counsellor,
                        starts_at=starts_at,
                        ends_at=starts_at + length,
                        kind=template.kind,
                        capacity=template.capacity,
                        title=template.title,
                        title_en=template.title_en,
                    )
                )
    if not candidates:
        return 0
    existing = set(
        Slot.objects.filter(
            office=office,
            starts_at__gte=min(s.starts_at for s in candidates),
            starts_at__lte=max(s.starts_at for s in candidates),
        ).values_list("counsellor_id", "starts_at")
    )
    new = [s for s in candidates if (s.counsellor_id, s.starts_at) not in existing]
    with transaction.atomic():
        # ignore_conflicts: a slot made meanwhile (or overlapping one, on PostgreSQL) wins.
        Slot.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            caches.slot_weeks.changed(office.pk)
    return len(new)


def generate_open_slots(*, today: dt.date | None = None) -> int:
    """Keep every office's slots open `weeks_open` weeks ahead (the daily beat job)."""
    today = today or timezone.localdate()
    return sum(
        generate_slots(office=office, start=today, weeks=office.weeks_open)
        for office in Office.objects.all()
    )


@shared_task(name="bookings.tasks.generate_open_slots", acks_late=True)
def generate_open_slots_task() -> int:
    return generate_open_slots()
