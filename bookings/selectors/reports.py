"""Monthly reports per office, as aggregates only (K7(2)): no row names a person or a
device. Counted by the month (Japan time) of the consultation's slot."""

import datetime as dt
import io
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from defusedcsv import csv
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import UsageRecord

from ..models import Booking, Office

Status = Booking.Status
# The columns of a report: each counts the bookings of these statuses ("declined" requests
# count with cancelled; "requested" means still waiting).
COLUMNS: dict[str, tuple[str, ...]] = {
    Status.REQUESTED: (Status.REQUESTED,),
    Status.CONFIRMED: (Status.CONFIRMED,),
    Status.COMPLETED: (Status.COMPLETED,),
    Status.CANCELLED: (Status.CANCELLED, Status.DECLINED),
    Status.NO_SHOW: (Status.NO_SHOW,),
}
STATUSES = tuple(COLUMNS)


@dataclass
class MonthRow:
    office: Office
    month: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    median_lead_days: float | None = None
    smartphone_share: float | None = None  # share of signed-in users who used a smartphone

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def monthly(
    *,
    offices: Iterable[Office] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[MonthRow]:
    """One row per office and month between `start` and `end` (first days of months)."""
    offices = list(offices if offices is not None else Office.objects.all())
    tz = timezone.get_current_timezone()
    bookings = Booking.objects.filter(slot__office__in=offices)
    if start:
        bookings = bookings.filter(slot__starts_at__gte=_aware(start))
    if end:
        bookings = bookings.filter(slot__starts_at__lt=_aware(_next_month(end)))
    counted = (
        bookings.annotate(month=TruncMonth("slot__starts_at", tzinfo=tz))
        .values("slot__office_id", "month")
        .annotate(
            **{
                column: Count("pk", filter=Q(status__in=statuses))
                for column, statuses in COLUMNS.items()
            }
        )
    )
    by_key: dict[tuple[int, dt.date], MonthRow] = {}
    office_by_id = {office.pk: office for office in offices}
    # The status columns are annotated from a dict (**kwargs) the stubs cannot see into.
    for row in cast(Iterable[dict[str, Any]], counted):
        month = _month_of(row["month"])
        by_key[(row["slot__office_id"], month)] = MonthRow(
            office=office_by_id[row["slot__office_id"]],
            month=month,
            counts={status: row[status] for status in STATUSES},
        )
    leads: dict[tuple[int, dt.date], list[float]] = {}
    for office_id, starts_at, created_at in bookings.values_list(
        "slot__office_id", "slot__starts_at", "created_at"
    ):
        key = (office_id, _month_of(timezone.localtime(starts_at)))
        leads.setdefault(key, []).append((starts_at - created_at).total_seconds() / 86400)
    for key, values in leads.items():
        if key in by_key:
            by_key[key].median_lead_days = round(statistics.median(values), 1)
    _add_smartphone_shares(by_key, offices, tz)
    return sorted(by_key.values(), key=lambda r: (r.office.pk, r.month))


def _add_smartphone_shares(
    by_key: dict[tuple[int, dt.date], MonthRow], offices: Iterable[Office], tz: dt.tzinfo
) -> None:
    slugs = {office.slug: office.pk for office in offices}
    rows = (
        UsageRecord.objects.filter(office_slug__in=slugs)
        .annotate(month=TruncMonth("at", tzinfo=tz))
        .values("office_slug", "month")
        .annotate(
            users=Count("user", distinct=True),
            phone_users=Count("user", filter=Q(is_smartphone=True), distinct=True),
        )
    )
    for row in rows:
        key = (slugs[row["office_slug"]], _month_of(row["month"]))
        if key in by_key and row["users"]:
            by_key[key].smartphone_share = round(row["phone_users"] / row["users"], 3)


def to_csv(rows: Iterable[MonthRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["office", "month", *STATUSES, "total", "median_lead_days", "smartphone_share"])
    for row in rows:
        writer.writerow(
            [
                row.office.slug,
                row.month.strftime("%Y-%m"),
                *(row.counts.get(status, 0) for status in STATUSES),
                row.total,
                "" if row.median_lead_days is None else row.median_lead_days,
                "" if row.smartphone_share is None else row.smartphone_share,
            ]
        )
    return out.getvalue()


def chart(rows: Sequence[MonthRow], *, width: int = 640, bar_height: int = 22) -> dict[str, Any]:
    """Geometry of a horizontal stacked bar chart, rendered as SVG by the template."""
    peak = max((row.total for row in rows), default=0) or 1
    label_width, gap = 170, 8
    bars = []
    for index, row in enumerate(rows):
        x = label_width
        segments = []
        for status in STATUSES:
            value = row.counts.get(status, 0)
            w = round((width - label_width - 40) * value / peak)
            if value:
                segments.append({"status": status, "x": x, "width": w, "value": value})
            x += w
        bars.append(
            {
                "y": index * (bar_height + gap),
                "label": f"{row.office.slug} {row.month:%Y-%m}",
                "segments": segments,
                "total": row.total,
                "total_x": x + 4,
            }
        )
    return {
        "width": width,
        "height": max(len(rows), 1) * (bar_height + gap),
        "bar_height": bar_height,
        "bars": bars,
        "text_y": bar_height - 6,
    }


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _month_of(value: dt.date) -> dt.date:
    return value.date().replace(day=1) if isinstance(value, dt.datetime) else value.replace(day=1)
