"""Slots published from the counsellors' weekly templates."""

import datetime as dt

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .. import caches, calendar
from ..models import Office, Slot, SlotTemplate
from ..selectors.sessions import session_refusal
from ..selectors.slot_rules import template_refusal


def _length(template: SlotTemplate, office: Office) -> dt.timedelta:
    """A session's own length where its template has one, else the office's."""
    if template.is_session and template.minutes:
        return dt.timedelta(minutes=template.minutes)
    return dt.timedelta(minutes=office.slot_minutes)


def _keeps_to_rules(template: SlotTemplate, office: Office) -> bool:
    """A template made before the office's rules changed publishes nothing outside them
    (a session's time is its own, but its host is of the office)."""
    if template.is_session:
        return (
            session_refusal(
                office,
                counsellor_office_id=template.counsellor.office_id,
                end_time=template.end_time,
            )
            is None
        )
    refusal = template_refusal(
        office, weekday=template.weekday, start=template.start_time, end=template.end_time
    )
    return refusal is None


# A session's own settings, copied from its template to each slot published from it.
SESSION_FIELDS = (
    "description",
    "description_en",
    "participant_notes",
    "participant_notes_en",
    "terms_document_id",
    "requires_job_seeker_number",
    "requires_confirmation",
    "no_show_applies",
    "kind_limit",
    "meeting_provider",
)


def _template_starts(template: SlotTemplate, office: Office) -> list[dt.time]:
    if template.end_time is None:
        return [template.start_time]
    starts, length = [], _length(template, office)
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
        if _keeps_to_rules(template, office)
    ]
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
                        ends_at=starts_at + _length(template, office),
                        kind=template.kind,
                        capacity=template.capacity,
                        title=template.title,
                        title_en=template.title_en,
                        **(
                            {name: getattr(template, name) for name in SESSION_FIELDS}
                            if template.is_session
                            else {}
                        ),
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
