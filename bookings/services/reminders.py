"""The reminder the day before each confirmed consultation, at the office's hour."""

import datetime as dt

from celery import shared_task
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from accounts.models import Message
from accounts.services import post_message

from ..models import Booking
from .bookings import booking_message_params

KEY_PREFIX = "reminder:"


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """A reminder the day before each confirmed consultation, from the office's reminder
    hour (Japan time) on: one per booking, however often the job runs (beat runs it every
    15 minutes; a run missed is made up by the next). A booking confirmed on the day
    before after that hour gets none: its confirmation has just told the person (and no
    reminder goes out at night)."""
    local = timezone.localtime(now or timezone.now())
    tomorrow = local.date() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))
    bookings = Booking.objects.filter(
        status=Booking.Status.CONFIRMED,
        slot__starts_at__gte=start,
        slot__starts_at__lt=start + dt.timedelta(days=1),
        slot__office__reminder_hour__lte=local.hour,
    ).exclude(
        confirmed_at__date=local.date(),
        confirmed_at__hour__gte=F("slot__office__reminder_hour"),
    )
    # Those reminded by an earlier run are left out in the query (one message per key).
    reminded = Message.objects.filter(
        user=OuterRef("user"),
        key=Concat(Value(KEY_PREFIX), Cast(OuterRef("pk"), CharField())),
    )
    bookings = bookings.exclude(Exists(reminded)).select_related("slot", "slot__office", "user")
    sent = 0
    for booking in bookings:
        sent += (
            post_message(
                user=booking.user,
                kind=Message.Kind.REMINDER,
                params=booking_message_params(booking),
                key=f"{KEY_PREFIX}{booking.pk}",
                link=reverse("booking_detail", kwargs={"pk": booking.pk}),
            )
            is not None
        )
    return sent


@shared_task(name="bookings.tasks.send_reminders", acks_late=True)
def send_reminders_task() -> int:
    return send_reminders()
