"""The counsellor's private calendar feed: a secret URL (made and turned off in the
admin) serving their bookings as iCalendar, with times, booking numbers and the kind only."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar, Component

from bookings import services
from bookings.models import Booking, Counsellor, Room, SessionKind, Slot
from portal import crypto
from tests.factories import make_confirmed_booking, make_counsellor, make_office, make_slot
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
NAME = "SUMMARY 山田"
KANA = "ヤマダ"
PHONE = "090-9999-0002"
EMAIL = "uid-yamada@example.jp"
MEETING_ID = "987 6543 2109"
PASSCODE = "pass-4711"


@pytest.fixture
def office():
    return make_office()


@pytest.fixture
def person(make_user):
    return make_user(EMAIL)


def at(days: int, hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=TOKYO)


def booking_of(counsellor, person, starts_at, **fields) -> Booking:
    slot = make_slot(counsellor.office, counsellor, starts_at)
    details = {"full_name": NAME, "full_name_kana": KANA, "phone": PHONE, **fields}
    return make_confirmed_booking(slot, person, **details)


def feed_url(token: str) -> str:
    return f"/feeds/counsellors/{token}.ics"


def events_of(response) -> dict[str, Component]:
    calendar = Calendar.from_ical(response.content)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_the_feed_carries_the_bookings_with_times_numbers_and_status(
    client, counsellor, person, settings
):
    settings.SITE_URL = "https://portal.example.jp"
    confirmed = booking_of(counsellor, person, at(2, 10))
    Room.objects.create(
        booking=confirmed,
        provider="zoom",
        meeting_id=MEETING_ID,
        passcode_encrypted=crypto.encrypt(PASSCODE),
        join_url="https://zoom.example/j/98765432109",
    )
    requested = booking_of(counsellor, person, at(3, 11), status=Booking.Status.REQUESTED)
    cancelled = booking_of(counsellor, person, at(4, 14), status=Booking.Status.CANCELLED)
    no_show = booking_of(counsellor, person, at(-2, 15), status=Booking.Status.NO_SHOW)
    session_slot = make_slot(counsellor.office, counsellor, at(5, 15), capacity=5)
    session_slot.kind = SessionKind.SESSION
    session_slot.save()
    session = make_confirmed_booking(
        session_slot, person, full_name=NAME, full_name_kana=KANA, phone=PHONE
    )
    booking_of(counsellor, person, at(-10, 10))  # before the feed's week back
    booking_of(counsellor, person, at(7 * 5, 10))  # after the office's open weeks
    other = make_counsellor(counsellor.office)
    theirs = booking_of(other, person, at(2, 14))
    token = services.rotate_calendar_token(counsellor=counsellor)

    response = client.get(feed_url(token))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["X-WR-CALNAME"]) == counsellor.display_name
    events = events_of(response)
    uid = "booking-{}@portal.example.jp".format
    assert set(events) == {uid(b.pk) for b in (confirmed, requested, cancelled, no_show, session)}
    assert uid(theirs.pk) not in events
    first = events[uid(confirmed.pk)]
    starts = first.decoded("dtstart")
    assert starts == confirmed.slot.starts_at
    assert starts.tzinfo is not None and starts.utcoffset() == dt.timedelta(hours=9)
    assert first.decoded("dtend") == confirmed.slot.ends_at
    assert str(first["summary"]) == f"オンライン相談 #{confirmed.pk}"
    assert str(events[uid(session.pk)]["summary"]) == f"セミナー・見学 #{session.pk}"
    assert str(first["status"]) == "CONFIRMED"
    assert str(events[uid(requested.pk)]["status"]) == "TENTATIVE"
    assert str(events[uid(cancelled.pk)]["status"]) == "CANCELLED"
    assert str(events[uid(no_show.pk)]["status"]) == "CANCELLED"
    assert "description" not in first
    assert str(first["url"]).endswith(f"/admin/bookings/booking/{confirmed.pk}/change/")

    again = client.get(feed_url(token))
    assert set(events_of(again)) == set(events)


def test_the_feed_holds_no_personal_data(client, counsellor, person):
    counsellor.fixed_meeting_id = MEETING_ID
    counsellor.save()
    booking = booking_of(
        counsellor, person, at(1, 10), job_seeker_number="01234-5678901", interpreter_note="通訳"
    )
    Room.objects.create(
        booking=booking,
        provider="zoom",
        meeting_id=MEETING_ID,
        passcode_encrypted=crypto.encrypt(PASSCODE),
        join_url="https://zoom.example/j/98765432109",
    )
    token = services.rotate_calendar_token(counsellor=counsellor)

    response = client.get(feed_url(token))

    assert response.status_code == 200
    text = response.content.decode()
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    for secret in (
        NAME,
        "山田",
        KANA,
        PHONE,
        "09099990002",
        "+819099990002",
        "9999",
        EMAIL,
        "uid-yamada",
        MEETING_ID,
        "98765432109",
        PASSCODE,
        "01234-5678901",
        "通訳",
    ):
        assert secret not in unfolded, secret
    for event in Calendar.from_ical(response.content).walk("VEVENT"):
        assert set(event) <= {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "STATUS", "URL"}


def test_rotating_stops_the_old_url_and_revoking_stops_the_feed(client, counsellor):
    assert client.get(feed_url("x" * 43)).status_code == 404
    old = services.rotate_calendar_token(counsellor=counsellor)
    assert client.get(feed_url(old)).status_code == 200
    counsellor.refresh_from_db()
    assert counsellor.calendar_token and old not in counsellor.calendar_token  # hashed

    new = services.rotate_calendar_token(counsellor=counsellor)

    assert new != old
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200

    services.revoke_calendar_token(counsellor=counsellor)

    assert client.get(feed_url(new)).status_code == 404
    counsellor.refresh_from_db()
    assert counsellor.calendar_token == ""


def test_an_inactive_counsellor_has_no_feed(client, counsellor):
    token = services.rotate_calendar_token(counsellor=counsellor)
    Counsellor.objects.filter(pk=counsellor.pk).update(is_active=False)

    assert client.get(feed_url(token)).status_code == 404


def test_the_query_count_does_not_grow_with_the_bookings(client, counsellor, make_user):
    token = services.rotate_calendar_token(counsellor=counsellor)

    def queries_for(count: int) -> int:
        Booking.objects.all().delete()
        Slot.objects.all().delete()
        person = make_user(f"p{count}@example.jp")
        for n in range(count):
            booking_of(counsellor, person, at(1 + n // 4, 9 + n % 4))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(feed_url(token))
        assert len(events_of(response)) == count
        return len(queries)

    assert queries_for(2) == queries_for(20)


def action(client, name: str, counsellor):
    return client.post(
        "/admin/bookings/counsellor/",
        {"action": name, "_selected_action": [counsellor.pk]},
        follow=True,
    )


def test_a_counsellor_makes_and_turns_off_their_own_calendar_url(client, counsellor):
    sign_in_staff(client, counsellor.user)

    response = action(client, "rotate_calendar_url", counsellor)

    assert response.status_code == 200
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    found = re.search(r"http://testserver/feeds/counsellors/([A-Za-z0-9_-]+)\.ics", shown)
    assert found, shown
    token = found.group(1)
    assert client.get(feed_url(token)).status_code == 200
    page = client.get(f"/admin/bookings/counsellor/{counsellor.pk}/change/")
    assert page.status_code == 200
    assert token not in page.content.decode()
    counsellor.refresh_from_db()
    assert counsellor.calendar_token not in page.content.decode()

    action(client, "revoke_calendar_url", counsellor)

    assert client.get(feed_url(token)).status_code == 404
    counsellor.refresh_from_db()
    assert counsellor.calendar_token == ""


def test_the_wall_keeps_another_offices_counsellor_out(client, counsellor):
    elsewhere = make_counsellor(make_office())
    token = services.rotate_calendar_token(counsellor=elsewhere)
    elsewhere.refresh_from_db()
    stored = elsewhere.calendar_token
    sign_in_staff(client, counsellor.user)

    for name in ("rotate_calendar_url", "revoke_calendar_url"):
        response = action(client, name, elsewhere)
        assert "/feeds/counsellors/" not in " ".join(
            str(m) for m in get_messages(response.wsgi_request)
        )

    elsewhere.refresh_from_db()
    assert elsewhere.calendar_token == stored
    assert client.get(feed_url(token)).status_code == 200
    page = client.get(f"/admin/bookings/counsellor/{elsewhere.pk}/change/")
    assert page.status_code in (302, 403, 404)
