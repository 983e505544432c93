"""Calendar files (RFC 5545): a booking's, for the person's own calendar (no passcode,
no meeting ID, only when, where to find the access code, and whom to call); and a
counsellor's private feed of their consultations and sessions, which carries times,
booking numbers and the kind only: no person's data leaves the office's systems."""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import Booking, Counsellor, SessionKind

FEED_PAST_DAYS = 7
FEED_STATUS: dict[str, str] = {
    Booking.Status.CONFIRMED: "CONFIRMED",
    Booking.Status.COMPLETED: "CONFIRMED",
    Booking.Status.REQUESTED: "TENTATIVE",
}


def _host() -> str:
    return settings.SITE_URL.split("//")[-1]


def booking_calendar(booking: Booking) -> bytes:
    office = booking.slot.office
    calendar = Calendar()
    calendar.add("prodid", "-//consult-portal//booking//JA")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{_host()}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", timezone.localtime(booking.slot.starts_at))
    event.add("dtend", timezone.localtime(booking.slot.ends_at))
    slot = booking.slot
    if slot.is_session:  # its own title and length (ends_at), e.g. a 60-minute seminar
        event.add("summary", f"{slot.title or slot.get_kind_display()}（{office.name}）")
    else:
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


def counsellor_feed(counsellor: Counsellor) -> bytes:
    """The counsellor's bookings from a week ago to the end of the office's open weeks, one
    event per booking. Cancelled, declined, expired and no-show bookings (and bookings of a
    cancelled slot) stay in the feed as STATUS:CANCELLED, so subscribed calendars drop
    them. Two queries, however many bookings."""
    office = counsellor.office
    now = timezone.now()
    bookings = (
        Booking.objects.filter(
            slot__counsellor=counsellor,
            slot__starts_at__gte=now - dt.timedelta(days=FEED_PAST_DAYS),
            slot__starts_at__lt=now + dt.timedelta(weeks=office.weeks_open),
        )
        .select_related("slot")
        .only(
            "pk", "status", "slot__starts_at", "slot__ends_at", "slot__kind", "slot__cancelled_at"
        )
        .order_by("slot__starts_at", "pk")
    )
    calendar = Calendar()
    calendar.add("prodid", "-//consult-portal//counsellor feed//JA")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", counsellor.display_name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    host = _host()
    with translation.override(settings.LANGUAGE_CODE):
        for booking in bookings:
            slot = booking.slot
            event = Event()
            event.add("uid", f"booking-{booking.pk}@{host}")
            event.add("dtstamp", now)
            event.add("dtstart", timezone.localtime(slot.starts_at))
            event.add("dtend", timezone.localtime(slot.ends_at))
            if slot.kind != SessionKind.CONSULTATION:
                summary = _("Seminar or tour #%(number)s") % {"number": booking.pk}
            else:
                summary = _("Online consultation #%(number)s") % {"number": booking.pk}
            event.add("summary", summary)
            status = FEED_STATUS.get(booking.status, "CANCELLED")
            event.add("status", "CANCELLED" if slot.cancelled_at else status)
            # The admin's booking page: it needs a staff sign-in with a second factor.
            event.add(
                "url",
                settings.SITE_URL + reverse("admin:bookings_booking_change", args=[booking.pk]),
            )
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
