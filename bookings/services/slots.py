"""Slots published from the counsellors' weekly templates."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from .. import caches, calendar
from ..models import Absence, Office, Slot, SlotTemplate
from ..selectors.sessions import session_refusal
from ..selectors.slot_rules import template_refusal
from .absences import close_slots_away


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


@dataclass
class SlotPlan:
    """What publishing an office's templates over some days would do (the dry run of
    `publish_slots`): the slots it would create, and what it skips and why."""

    office: Office
    first_day: dt.date
    last_day: dt.date
    new: list[Slot] = field(default_factory=list)
    existing: int = 0
    holidays: list[dt.date] = field(default_factory=list)
    closed_days: list[dt.date] = field(default_factory=list)
    absent: list[Slot] = field(default_factory=list)

    @property
    def counsellors(self) -> list[tuple[str, int]]:
        """(counsellor's display name, slots to create), in name order."""
        per = Counter(slot.counsellor.display_name for slot in self.new)
        return sorted(per.items())


def plan_slots(*, office: Office, first_day: dt.date, last_day: dt.date) -> SlotPlan:
    """The slots of the office's weekly templates (every active counsellor) from
    `first_day` to `last_day`, without creating any.

    Days that are not the office's weekdays, Japanese public holidays and the office's
    closures are skipped, and so are the times inside a counsellor's absence. A slot that
    exists already (or overlaps one, on PostgreSQL) is not made again.
    """
    plan = SlotPlan(office=office, first_day=first_day, last_day=last_day)
    closures = list(office.closures.all())
    templates = [
        template
        for template in office.slot_templates.filter(is_active=True).select_related("counsellor")
        if _keeps_to_rules(template, office)
    ]
    weekdays = {template.weekday for template in templates}
    candidates = []
    for offset in range((last_day - first_day).days + 1):
        day = first_day + dt.timedelta(days=offset)
        if not calendar.is_open_day(office, day, closures):
            if day.weekday() in weekdays and day.weekday() in (office.weekdays or [0, 1, 2, 3, 4]):
                if calendar.is_public_holiday(day):
                    plan.holidays.append(day)
                else:
                    plan.closed_days.append(day)
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
        return plan
    first = min(s.starts_at for s in candidates)
    last = max(s.ends_at for s in candidates)
    existing = set(
        Slot.objects.filter(office=office, starts_at__gte=first, starts_at__lt=last).values_list(
            "counsellor_id", "starts_at"
        )
    )
    absences = list(
        Absence.objects.filter(
            counsellor__office=office, starts_at__lt=last, ends_at__gt=first
        ).values_list("counsellor_id", "starts_at", "ends_at")
    )
    for slot in candidates:
        if (slot.counsellor_id, slot.starts_at) in existing:
            plan.existing += 1
        elif any(
            who == slot.counsellor_id and start < slot.ends_at and slot.starts_at < end
            for who, start, end in absences
        ):
            plan.absent.append(slot)
        else:
            plan.new.append(slot)
    return plan


def publish_slots(*, office: Office, first_day: dt.date, last_day: dt.date) -> SlotPlan:
    """Create the slots `plan_slots` plans (publishing twice creates nothing twice)."""
    plan = plan_slots(office=office, first_day=first_day, last_day=last_day)
    with transaction.atomic():
        # ignore_conflicts: a slot made meanwhile (or overlapping one, on PostgreSQL) wins.
        Slot.objects.bulk_create(plan.new, ignore_conflicts=True)
        if plan.new:
            caches.slot_weeks.changed(office.pk)
    return plan


def generate_slots(*, office: Office, start: dt.date, weeks: int) -> int:
    """Create the slots of the office's weekly templates for `weeks` weeks from `start`
    (`plan_slots` says what is skipped). Returns how many slots were created."""
    if weeks <= 0:
        return 0
    last_day = start + dt.timedelta(days=weeks * 7 - 1)
    return len(publish_slots(office=office, first_day=start, last_day=last_day).new)


def generate_open_slots(*, today: dt.date | None = None) -> int:
    """Keep every office's slots open `weeks_open` weeks ahead (the daily beat job)."""
    today = today or timezone.localdate()
    created = sum(
        generate_slots(office=office, start=today, weeks=office.weeks_open)
        for office in Office.objects.all()
    )
    close_slots_away()  # a slot freed inside an absence or closure since (a cancellation)
    return created


@shared_task(name="bookings.tasks.generate_open_slots", acks_late=True)
def generate_open_slots_task() -> int:
    return generate_open_slots()
