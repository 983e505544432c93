"""Rooms and access codes, in one process: idempotent issuing, who sees a passcode and
when, cancellation and moves, the calendar file, reminders and unanswered requests."""

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar

from accounts.messages import render_message
from accounts.models import Message
from bookings import selectors, services
from bookings.models import Booking, Room, Suspension
from portal import crypto
from terms.services import create_draft, publish_version
from tests.factories import (
    book,
    jst,
    make_eligible,
    make_office_with_terms,
    make_slot,
)

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 15, 0)


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW, language="en")


@pytest.fixture
def office():
    return make_office_with_terms(slug="k", municipality_codes=["01213"], meeting_provider="jitsi")


@pytest.fixture
def booking(office, counsellor, make_user, django_capture_on_commit_callbacks):
    alice = make_eligible(make_user("alice@example.jp"), office)
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10, 0))
    with django_capture_on_commit_callbacks(execute=False):
        return book(office, alice, slot)


def access_messages(user):
    return Message.objects.filter(user=user, kind=Message.Kind.ACCESS_CODE)


def test_issuing_makes_one_room_and_one_message_however_often_it_runs(
    booking, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.issue_room(booking_id=booking.pk)
        second = services.issue_room(booking_id=booking.pk)
    assert first == second
    assert Room.objects.filter(booking=booking).count() == 1
    assert access_messages(booking.user).count() == 1
    room = Room.objects.get()
    passcode = crypto.decrypt(room.passcode_encrypted)
    assert passcode.isdigit() and len(passcode) == 8
    assert passcode not in room.passcode_encrypted  # encrypted at rest
    message = access_messages(booking.user).get()
    assert message.attachment == f"room:{room.pk}"
    subject, body = render_message(message)
    for text in (subject, body, str(message.params)):
        assert passcode not in text and room.meeting_id not in text
    assert "/offices/k/terms/" in body  # the terms URL
    assert "2026年11月26日（木）10:00〜10:30" in body
    for email in mail.outbox:
        assert passcode not in email.body and room.meeting_id not in email.body


def test_a_lone_new_room_costs_four_reads_two_inserts_and_an_update(
    booking, django_capture_on_commit_callbacks
):
    """The room job runs once per confirmation: the locked read brings everything it needs
    (nothing is loaded lazily afterwards), one read finds no other booking awaiting a room,
    and a new room's message needs no check."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        services.issue_room(booking_id=booking.pk)
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 7, statements
    assert statements[0].startswith('SELECT "bookings_room"')  # made already?
    assert statements[1].startswith('SELECT "bookings_booking"')
    if connection.features.has_select_for_update:
        assert "FOR UPDATE" in statements[1]
    assert statements[2].startswith('SELECT "bookings_room"')  # made while we waited?
    assert statements[3].startswith('SELECT "bookings_booking"')  # others due
    assert statements[4].startswith('INSERT INTO "bookings_room"')
    assert statements[5].startswith('INSERT INTO "accounts_message"')
    assert statements[6].startswith('UPDATE "bookings_booking" SET "awaiting_room"')
    assert access_messages(booking.user).count() == 1
    booking.refresh_from_db()
    assert not booking.awaiting_room


def test_a_job_whose_room_is_made_reads_once_and_writes_nothing(booking):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    room_id = services.issue_room(booking_id=booking.pk)
    with CaptureQueriesContext(connection) as captured:
        assert services.issue_room(booking_id=booking.pk) == room_id
    assert len(captured.captured_queries) == 1
    assert Room.objects.filter(booking=booking).count() == 1
    assert access_messages(booking.user).count() == 1


def test_the_database_allows_one_valid_room_per_booking(booking):
    from django.db import IntegrityError, transaction

    services.issue_room(booking_id=booking.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(
            booking=booking, provider="jitsi", meeting_id="x", passcode_encrypted="x", join_url=""
        )


def test_an_unconfirmed_or_finished_booking_gets_no_room(booking):
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.REQUESTED)
    assert services.issue_room(booking_id=booking.pk) is None
    Booking.objects.filter(pk=booking.pk).update(status=Booking.Status.CONFIRMED)
    with time_machine.travel(jst(2026, 11, 26, 10, 31), tick=False):
        assert services.issue_room(booking_id=booking.pk) is None
    assert not Room.objects.exists()


def test_the_owner_sees_the_access_code_in_the_message_and_on_the_booking(client, booking):
    services.issue_room(booking_id=booking.pk)
    room = Room.objects.get()
    passcode = crypto.decrypt(room.passcode_encrypted)
    client.force_login(booking.user)
    message = access_messages(booking.user).get()
    response = client.get(f"/me/messages/{message.pk}/")
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert passcode in html and room.meeting_id in html
    response = client.get(f"/me/bookings/{booking.pk}/")
    assert "no-store" in response["Cache-Control"]
    assert passcode in response.content.decode()


def test_another_person_cannot_read_the_message_or_the_passcode(client, booking, make_user):
    services.issue_room(booking_id=booking.pk)
    passcode = crypto.decrypt(Room.objects.get().passcode_encrypted)
    message = access_messages(booking.user).get()
    client.force_login(make_user("mallory@example.jp"))
    for url in (
        f"/me/messages/{message.pk}/",
        f"/me/bookings/{booking.pk}/",
        f"/me/bookings/{booking.pk}/join/",
        f"/me/bookings/{booking.pk}/calendar.ics",
    ):
        response = client.get(url)
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert passcode not in response.content.decode()
    assert Message.objects.get(pk=message.pk).read_at is None


def test_the_passcode_disappears_when_the_booking_ends_or_is_cancelled(client, booking):
    services.issue_room(booking_id=booking.pk)
    passcode = crypto.decrypt(Room.objects.get().passcode_encrypted)
    client.force_login(booking.user)
    with time_machine.travel(jst(2026, 11, 26, 10, 30), tick=False):
        assert passcode not in client.get(f"/me/bookings/{booking.pk}/").content.decode()
    services.cancel_booking(booking=booking, actor=booking.user)
    assert Room.objects.get().invalidated_at is not None
    message = access_messages(booking.user).get()
    assert passcode not in client.get(f"/me/messages/{message.pk}/").content.decode()


def test_a_suspended_person_sees_no_access_code(booking):
    services.issue_room(booking_id=booking.pk)
    Suspension.objects.create(user=booking.user, office=None, reason="禁止事項に該当")
    assert selectors.access_code_for(booking=booking, user=booking.user) is None


def test_revised_terms_must_be_agreed_to_before_seeing_the_access_code(client, booking, office):
    services.issue_room(booking_id=booking.pk)
    document = office.terms_documents.get()
    draft = create_draft(document=document, text="## 第1条\n\n改定。\n", change_summary="改定")
    publish_version(version=draft)
    assert selectors.access_code_for(booking=booking, user=booking.user) == "consent"
    client.force_login(booking.user)
    client.cookies["django_language"] = "en"
    html = client.get(f"/me/bookings/{booking.pk}/").content.decode()
    assert "Agree to the new version to see the access code" in html
    assert crypto.decrypt(Room.objects.get().passcode_encrypted) not in html


def test_joining_records_the_time_and_opens_the_meeting(client, booking):
    services.issue_room(booking_id=booking.pk)
    client.force_login(booking.user)
    response = client.get(f"/me/bookings/{booking.pk}/join/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == Room.objects.get().join_url
    booking.refresh_from_db()
    assert booking.joined_at == NOW


def test_moving_a_booking_invalidates_its_room_and_tells_the_person(
    booking, office, counsellor, django_capture_on_commit_callbacks
):
    services.issue_room(booking_id=booking.pk)
    old_room = Room.objects.get()
    later = make_slot(office, counsellor, jst(2026, 11, 27, 11, 0))
    with django_capture_on_commit_callbacks(execute=False):
        services.move_booking(booking=booking, slot_id=later.pk, actor=counsellor.user)
    old_room.refresh_from_db()
    assert old_room.invalidated_at is not None
    services.issue_room(booking_id=booking.pk)
    assert Room.objects.filter(booking=booking, invalidated_at__isnull=True).count() == 1
    assert Room.objects.filter(booking=booking).count() == 2
    assert booking.user.messages.filter(kind=Message.Kind.BOOKING_MOVED).count() == 1
    assert access_messages(booking.user).count() == 2


def test_the_calendar_file_has_the_time_and_no_access_code(client, booking):
    services.issue_room(booking_id=booking.pk)
    room = Room.objects.get()
    client.force_login(booking.user)
    response = client.get(f"/me/bookings/{booking.pk}/calendar.ics")
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert crypto.decrypt(room.passcode_encrypted) not in body
    assert room.meeting_id not in body
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == jst(2026, 11, 26, 10, 0)
    assert event.decoded("dtend") == jst(2026, 11, 26, 10, 30)


def test_one_reminder_the_day_before_even_if_the_job_runs_twice(booking):
    # The office's reminder hour is 10:00 (the default).
    with time_machine.travel(jst(2026, 11, 25, 10, 5), tick=False):
        assert services.send_reminders() == 1
        assert services.send_reminders() == 0
    with time_machine.travel(jst(2026, 11, 24, 10, 5), tick=False):
        assert services.send_reminders() == 0  # two days before: not yet
    assert booking.user.messages.filter(kind=Message.Kind.REMINDER).count() == 1


def test_requests_unanswered_for_two_business_days_are_overdue(booking, office, client):
    office.requires_counsellor_confirmation = True
    office.save()
    Booking.objects.filter(pk=booking.pk).update(
        status=Booking.Status.REQUESTED,
        created_at=jst(2026, 11, 20, 16, 0),  # a Friday
    )
    booking.refresh_from_db()
    # Monday 11/23 is a public holiday: the two business days are Tue 24 and Wed 25.
    assert selectors.answer_by(booking).date() == dt.date(2026, 11, 25)
    with time_machine.travel(jst(2026, 11, 25, 23, 0), tick=False):
        assert selectors.overdue_requests() == []
    with time_machine.travel(jst(2026, 11, 26, 0, 0), tick=False):
        assert selectors.overdue_requests() == [booking]
    client.force_login(booking.user)
    client.cookies["django_language"] = "en"
    html = client.get(f"/me/bookings/{booking.pk}/").content.decode()
    assert (
        "If you have no message by Wed, 25 November 2026, 23:59, please phone 0144-32-5221" in html
    )


def test_the_sweeper_finds_confirmed_bookings_without_a_room(booking, settings, monkeypatch):
    settings.ROOM_SWEEP_AFTER_SECONDS = 60
    sent = []
    from bookings import tasks

    monkeypatch.setattr(
        tasks.issue_room_task, "apply_async", lambda args, **kw: sent.append(args[0])
    )
    with time_machine.travel(NOW + dt.timedelta(seconds=30), tick=False):
        assert services.sweep_rooms() == 0  # too soon: the job may still be on its way
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        assert services.sweep_rooms() == 1
    services.issue_room(booking_id=booking.pk)
    with time_machine.travel(NOW + dt.timedelta(seconds=120), tick=False):
        assert services.sweep_rooms() == 0  # has its room now
    assert sent == [booking.pk]
