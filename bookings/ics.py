"""A calendar file (RFC 5545) of a booking, for the person's own calendar: no passcode,
no meeting ID, only when, where to find the access code, and whom to call."""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from .models import Booking


def booking_calendar(booking: Booking) -> bytes:
    office = booking.slot.office
    calendar = Calendar()
    calendar.add("prodid", "-//consult-portal//booking//JA")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{settings.SITE_URL.split('//')[-1]}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", timezone.localtime(booking.slot.starts_at))
    event.add("dtend", timezone.localtime(booking.slot.ends_at))
    event.add("summary", f"オンライン相談（{office.name}）")
    my_page = settings.SITE_URL + reverse("booking_detail", kwargs={"pk": booking.pk})
    event.add(
        "description",
        "アクセスコード（ミーティングID・パスコード）はマイページで確認してください。\n"
        f"{my_page}\n連絡先: {office.phone.as_national}",
    )
    event.add("url", my_page)
    calendar.add_component(event)
    return calendar.to_ical()
