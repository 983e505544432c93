"""The reminder the day before each confirmed consultation."""

import datetime as dt

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from accounts.models import Message
from accounts.services import post_message

from ..models import Booking
from .bookings import booking_message_params


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """A reminder the day before each confirmed consultation: one per booking, however
    often the job runs."""
    now = now or timezone.now()
    tomorrow = timezone.localtime(now).date() + dt.timedelta(days=1)
    start = timezone.make_aware(dt.datetime.combine(tomorrow, dt.time.min))
    bookings = Booking.objects.filter(
        status=Booking.Status.CONFIRMED,
        slot__starts_at__gte=start,
        slot__starts_at__lt=start + dt.timedelta(days=1),
    ).select_related("slot", "slot__office", "user")
    sent = 0
    for booking in bookings:
        sent += (
            post_message(
                user=booking.user,
                kind=Message.Kind.REMINDER,
                params=booking_message_params(booking),
                key=f"reminder:{booking.pk}",
                link=reverse("booking_detail", kwargs={"pk": booking.pk}),
            )
            is not None
        )
    return sent


@shared_task(name="bookings.tasks.send_reminders", acks_late=True)
def send_reminders_task() -> int:
    return send_reminders()
