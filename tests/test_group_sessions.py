"""Sessions with several participants (seminars, job fairs, selection interviews, company
tours, meetings; I 前文, I1): their own rules, one shared room, seats, attendance and
cancellation, in one process (the race is in test_group_sessions_race.py, the real worker
in test_group_sessions_worker.py)."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar

from accounts.messages import render_message
from accounts.models import Message, Profile
from bookings import selectors, services
from bookings.models import Booking, BookingEvent, Office, Room, SessionKind, SessionRoom, Slot
from bookings.services import rooms as room_services
from portal import crypto
from terms.models import Consent
from terms.selectors import version_in_force
from tests.factories import (
    book,
    jst,
    make_document,
    make_eligible,
    make_office_with_terms,
    make_slot,
    publish_historical,
)

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 15, 0)
SEMINAR_AT = jst(2026, 11, 26, 14, 30)


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW, language="en")


@pytest.fixture
def office():
    """Itami-like: one-to-one consultations need a number and a counsellor's confirmation,
    one open consultation per person; a second terms document is for the services."""
    office = make_office_with_terms(
        slug="itami-test",
        meeting_provider="jitsi",
        requires_job_seeker_number=True,
        requires_counsellor_confirmation=True,
        booking_limit=1,
    )
    services_terms = make_document(office, slug="services-terms")
    publish_historical(services_terms, "## 第1条\n\nオンラインサービスの規約です。\n")
    return office


@pytest.fixture
def services_terms(office):
    return office.terms_documents.get(slug="services-terms")


@pytest.fixture
def seminar(office, counsellor, services_terms):
    slot = make_slot(office, counsellor, SEMINAR_AT, capacity=5, minutes=60)
    slot.kind = SessionKind.SEMINAR
    slot.title = "応募書類の書き方セミナー"
    slot.title_en = "Writing your application"
    slot.participant_notes = "履歴書をご用意ください。"
    slot.terms_document = services_terms
    slot.save()
    return slot


def in_force(document):
    version = version_in_force(document)
    assert version is not None
    return version


def seminar_person(make_user, office, services_terms, email: str):
    """Someone who has only what I1 asks: consent to the services terms, a profile without
    a job-seeker number."""
    person = make_eligible(make_user(email), office, consent=False)
    Profile.objects.filter(user=person).update(job_seeker_number="")
    Consent.objects.create(
        user=person, version=in_force(services_terms), method=Consent.Method.EXPLICIT
    )
    return person


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, tuple]]:
    """The jobs sent to the broker (recorded instead): (task name, arguments)."""
    jobs: list[tuple[str, tuple]] = []
    for task in (
        room_services.issue_room_task,
        room_services.delete_room_at_provider_task,
        room_services.delete_session_room_at_provider_task,
    ):
        monkeypatch.setattr(
            task, "apply_async", lambda args, name=task.name, **kw: jobs.append((name, args))
        )
    return jobs


def book_quietly(office, person, slot, capture, **details):
    """Book through the service, the room job left for the test to run."""
    with capture(execute=False):
        return book(office, person, slot, job_seeker_number="", **details)


def issue_all(bookings) -> None:
    for booking in bookings:
        room_services.issue_room(booking_id=booking.pk)


# The session's own rules ------------------------------------------------------------------


def test_a_seminar_needs_only_consent_to_its_terms_and_is_confirmed_at_once(
    office, seminar, make_user, services_terms, django_capture_on_commit_callbacks
):
    person = seminar_person(make_user, office, services_terms, "p@example.jp")
    assert selectors.refusals(person, office, slot=seminar) == []
    booking = book_quietly(office, person, seminar, django_capture_on_commit_callbacks)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.job_seeker_number == ""
    # The consultation terms were not asked for: only the services terms apply.
    assert selectors.missing_consents(person, office, seminar) == []
    assert {need.document.slug for need in selectors.missing_consents(person, office)} == {
        office.terms_documents.exclude(slug="services-terms").get().slug
    }
    confirmed = Message.objects.get(user=person, kind=Message.Kind.BOOKING_CONFIRMED)
    subject, body = render_message(confirmed, "ja")
    assert "応募書類の書き方セミナー" in subject and "履歴書をご用意ください。" in body


def test_the_same_person_is_refused_a_consultation_of_the_office(
    office, seminar, counsellor, make_user, services_terms
):
    person = seminar_person(make_user, office, services_terms, "p@example.jp")
    consultation = make_slot(office, counsellor, jst(2026, 11, 27, 10))
    codes = {refusal.code for refusal in selectors.refusals(person, office, slot=consultation)}
    assert "job_seeker_number" in codes
    with pytest.raises(services.BookingError):
        book(office, person, consultation, job_seeker_number="")


def test_a_session_booking_does_not_count_against_the_consultation_limit(
    office, seminar, counsellor, alice, django_capture_on_commit_callbacks
):
    """booking_limit=1: alice holds a seminar seat and still books a consultation (and the
    other way round: the consultation does not keep her from a second session)."""
    book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    consultation = make_slot(office, counsellor, jst(2026, 11, 27, 10))
    with django_capture_on_commit_callbacks(execute=False):
        request = book(office, alice, consultation)
    assert request.status == Booking.Status.REQUESTED  # the office's own rule
    tour = make_slot(office, counsellor, jst(2026, 11, 30, 14), capacity=10, minutes=90)
    tour.kind = SessionKind.COMPANY_TOUR
    tour.title = "企業見学会"
    tour.save()
    assert selectors.refusals(alice, office, slot=tour) == []
    second = make_slot(office, counsellor, jst(2026, 11, 27, 14), capacity=1)
    assert "limit" in {r.code for r in selectors.refusals(alice, office, slot=second)}


def test_staff_can_limit_open_bookings_per_session_kind(
    office, seminar, counsellor, alice, django_capture_on_commit_callbacks
):
    book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    another = make_slot(office, counsellor, jst(2026, 12, 3, 14, 30), capacity=5, minutes=60)
    another.kind = SessionKind.SEMINAR
    another.title = "面接対策セミナー"
    another.kind_limit = 1
    another.save()
    refused = selectors.refusals(alice, office, slot=another)
    assert [r.code for r in refused] == ["kind_limit"]
    another.kind_limit = 2
    another.save()
    assert selectors.refusals(alice, office, slot=another) == []


def test_staff_ticked_rules_ask_for_a_number_and_a_confirmation(
    office, seminar, make_user, services_terms, alice, django_capture_on_commit_callbacks
):
    seminar.requires_job_seeker_number = True
    seminar.requires_confirmation = True
    seminar.save()
    person = seminar_person(make_user, office, services_terms, "p@example.jp")
    assert [r.code for r in selectors.refusals(person, office, slot=seminar)] == [
        "job_seeker_number"
    ]
    with pytest.raises(services.BookingError):
        book_quietly(office, person, seminar, django_capture_on_commit_callbacks)
    request = book_quietly(
        office,
        alice,
        seminar,
        django_capture_on_commit_callbacks,
    )
    assert request.status == Booking.Status.REQUESTED
    assert Message.objects.filter(user=alice, kind=Message.Kind.BOOKING_REQUESTED).exists()


def test_the_booking_page_of_a_seminar_asks_only_for_its_terms(
    client, office, seminar, make_user, services_terms
):
    person = make_eligible(make_user("p@example.jp"), office, consent=False)
    Profile.objects.filter(user=person).update(job_seeker_number="")
    client.force_login(person)
    page = client.get(f"/offices/{office.slug}/book/{seminar.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    services_version = in_force(services_terms)
    assert f'name="agree_{services_version.pk}"' in html
    other = office.terms_documents.exclude(pk=services_terms.pk).get()
    assert f'name="agree_{in_force(other).pk}"' not in html
    response = client.post(
        f"/offices/{office.slug}/book/{seminar.pk}/",
        {
            "full_name": "山田 花子",
            "full_name_kana": "ヤマダ ハナコ",
            "job_seeker_number": "",
            f"agree_{services_version.pk}": "on",
        },
    )
    booking = Booking.objects.get(user=person)
    assert response.status_code == 302 and booking.status == Booking.Status.CONFIRMED
    consent = Consent.objects.get(user=person)
    assert consent.version == services_version
    assert consent.method == Consent.Method.DEEMED_BY_BOOKING


# One room per session ---------------------------------------------------------------------


def test_five_participants_share_one_room_and_each_gets_the_same_code(
    office, seminar, make_user, services_terms, django_capture_on_commit_callbacks
):
    people = [
        seminar_person(make_user, office, services_terms, f"p{n}@example.jp") for n in range(5)
    ]
    bookings = [
        book_quietly(office, p, seminar, django_capture_on_commit_callbacks) for p in people
    ]
    with django_capture_on_commit_callbacks(execute=False):
        issue_all(bookings)
        issue_all(bookings)  # retried and duplicated jobs make nothing more
    session_room = SessionRoom.objects.get()
    assert session_room.slot == seminar and session_room.provider == "jitsi"
    rooms = Room.objects.filter(booking__in=bookings)
    assert rooms.count() == 5
    assert {room.session_room_id for room in rooms} == {session_room.pk}
    assert {room.meeting_id for room in rooms} == {session_room.meeting_id}
    passcode = crypto.decrypt(session_room.passcode_encrypted)
    codes = {selectors.access_code_for(booking=b, user=b.user) for b in Booking.objects.all()}
    assert codes == {selectors.AccessCode(session_room.meeting_id, passcode, session_room.join_url)}
    access = Message.objects.filter(kind=Message.Kind.ACCESS_CODE)
    assert access.count() == 5 and {m.user_id for m in access} == {p.pk for p in people}
    subject, body = render_message(access.first(), "ja")
    assert "応募書類の書き方セミナー" in subject
    assert "無断キャンセル" not in body  # no 10-minute rule for this session
    assert passcode not in body and session_room.meeting_id not in body
    for email in mail.outbox:
        assert passcode not in email.body


def test_a_participant_who_cancels_loses_the_code_and_the_others_keep_it(
    office, seminar, alice, bob, sent, django_capture_on_commit_callbacks
):
    first = book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    second = book_quietly(office, bob, seminar, django_capture_on_commit_callbacks)
    issue_all([first, second])
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking=first, actor=alice)
    assert sent == []  # the shared meeting is not deleted at the provider
    first.refresh_from_db()
    assert selectors.access_code_for(booking=first, user=alice) is None
    assert isinstance(selectors.access_code_for(booking=second, user=bob), selectors.AccessCode)
    assert SessionRoom.objects.get().invalidated_at is None
    # In the mailbox too: alice's access-code message no longer shows the code.
    client_message = Message.objects.get(user=alice, kind=Message.Kind.ACCESS_CODE)
    room = Room.objects.get(booking=first)
    assert client_message.attachment == f"room:{room.pk}" and room.invalidated_at is not None


def test_the_session_room_closes_when_the_session_is_over(
    office, seminar, alice, sent, django_capture_on_commit_callbacks
):
    booking = book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    issue_all([booking])
    assert services.close_session_rooms() == 0
    with django_capture_on_commit_callbacks(execute=True):
        closed = services.close_session_rooms(now=seminar.ends_at)
        again = services.close_session_rooms(now=seminar.ends_at)
    assert (closed, again) == (1, 0)
    session_room = SessionRoom.objects.get()
    # The provider's deletion, after commit.
    assert sent == [("bookings.tasks.delete_session_room_at_provider", (session_room.pk,))]
    assert SessionRoom.objects.get().invalidated_at == seminar.ends_at
    assert Room.objects.get().invalidated_at == seminar.ends_at


def test_a_zoom_session_makes_one_meeting_and_deletes_it_when_cancelled(
    office, seminar, alice, bob, sent, settings, httpserver, django_capture_on_commit_callbacks
):
    base = httpserver.url_for("").rstrip("/")
    settings.ZOOM_ACCOUNT_ID, settings.ZOOM_CLIENT_ID, settings.ZOOM_CLIENT_SECRET = "a", "b", "c"
    settings.ZOOM_API_BASE = settings.ZOOM_OAUTH_BASE = base
    from bookings.meetings import zoom

    zoom.clear_token_cache()
    httpserver.expect_request("/oauth/token", method="POST").respond_with_json(
        {"access_token": "t", "token_type": "bearer", "expires_in": 3599}
    )
    httpserver.expect_request("/v2/users/me/meetings", method="POST").respond_with_json(
        {"id": 81234567890, "join_url": "https://zoom.us/j/81234567890", "password": "zp12345"},
        status=201,
    )
    httpserver.expect_request("/v2/meetings/81234567890", method="DELETE").respond_with_data(
        "", status=204
    )
    seminar.meeting_provider = "zoom"  # the session's own provider, not the office's Jitsi
    seminar.save()
    bookings = [
        book_quietly(office, p, seminar, django_capture_on_commit_callbacks) for p in (alice, bob)
    ]
    issue_all(bookings)
    creates = [r for r, _ in httpserver.log if r.path == "/v2/users/me/meetings"]
    assert len(creates) == 1
    assert creates[0].get_json()["duration"] == 60
    with django_capture_on_commit_callbacks(execute=True):
        told = services.cancel_session(slot=seminar, actor=None, reason="講師の急病のため")
    assert told == 2
    session_room = SessionRoom.objects.get()
    assert session_room.invalidated_at is not None
    assert sent == [("bookings.tasks.delete_session_room_at_provider", (session_room.pk,))]
    services.rooms.delete_session_room_at_provider(session_room_id=session_room.pk)
    deletes = [r for r, _ in httpserver.log if r.method == "DELETE"]
    assert [r.path for r in deletes] == ["/v2/meetings/81234567890"]
    session_room.refresh_from_db()
    assert session_room.provider_deleted_at is not None
    zoom.clear_token_cache()


# Seats ------------------------------------------------------------------------------------


def test_one_person_holds_at_most_one_seat_of_a_session(
    office, seminar, alice, django_capture_on_commit_callbacks
):
    book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    with pytest.raises(services.BookingError) as refused:
        book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    assert refused.value.code in ("duplicate", "overlap")
    assert Booking.objects.filter(user=alice).count() == 1


def test_a_full_session_takes_nobody_more(
    office, seminar, make_user, services_terms, django_capture_on_commit_callbacks
):
    seminar.capacity = 2
    seminar.save()
    people = [
        seminar_person(make_user, office, services_terms, f"p{n}@example.jp") for n in range(3)
    ]
    book_quietly(office, people[0], seminar, django_capture_on_commit_callbacks)
    book_quietly(office, people[1], seminar, django_capture_on_commit_callbacks)
    with pytest.raises(services.BookingError) as refused:
        book_quietly(office, people[2], seminar, django_capture_on_commit_callbacks)
    assert refused.value.code == "taken"
    (listed,) = selectors.upcoming_sessions(office, NOW)
    assert (listed.taken, listed.seats_left) == (2, 0)  # type: ignore[attr-defined]


def test_the_office_page_lists_its_sessions_with_the_seats_left(
    client, office, seminar, alice, django_capture_on_commit_callbacks
):
    book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    page = client.get(f"/offices/{office.slug}/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert "Writing your application" in html
    assert "4 seats left" in html
    assert f"/offices/{office.slug}/book/{seminar.pk}/" in html


def test_a_session_is_listed_with_the_sessions_not_in_the_week_of_free_times(
    client, office, seminar, counsellor
):
    consultation = make_slot(office, counsellor, jst(2026, 11, 27, 10))
    html = client.get(f"/offices/{office.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    week = html[html.index('id="slots"') : html.index('id="sessions-heading"')]
    assert f"/book/{consultation.pk}/" in week
    assert f"/book/{seminar.pk}/" not in week
    assert f"/book/{seminar.pk}/" in html[html.index('id="sessions-heading"') :]


# Attendance -------------------------------------------------------------------------------


def test_no_ten_minute_cancellation_for_a_session_unless_staff_enable_it(
    office, seminar, alice, django_capture_on_commit_callbacks
):
    booking = book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    later = seminar.starts_at + dt.timedelta(minutes=20)
    assert services.sweep_no_shows(now=later) == 0
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    Slot.objects.filter(pk=seminar.pk).update(no_show_applies=True)
    with django_capture_on_commit_callbacks(execute=False):
        assert services.sweep_no_shows(now=later) == 1
    booking.refresh_from_db()
    assert booking.status == Booking.Status.NO_SHOW


def test_the_host_marks_each_participant_present_or_absent(
    office, seminar, alice, bob, counsellor, django_capture_on_commit_callbacks
):
    present = book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    absent = book_quietly(office, bob, seminar, django_capture_on_commit_callbacks)
    with pytest.raises(services.BookingError):
        services.mark_attendance(booking=present, present=True, actor=counsellor.user)
    during = seminar.starts_at + dt.timedelta(minutes=15)
    services.mark_attendance(booking=present, present=True, actor=counsellor.user, now=during)
    services.mark_attendance(booking=absent, present=False, actor=counsellor.user, now=during)
    present.refresh_from_db()
    absent.refresh_from_db()
    assert present.started_at == during
    assert absent.status == Booking.Status.CONFIRMED  # no no-show policy for this session
    actions = dict(
        BookingEvent.objects.filter(actor=counsellor.user).values_list("booking", "action")
    )
    assert actions == {
        present.pk: BookingEvent.Action.ATTENDED,
        absent.pk: BookingEvent.Action.ABSENT,
    }
    # Where staff enabled the no-show policy for the session, absent is a no-show.
    Slot.objects.filter(pk=seminar.pk).update(no_show_applies=True)
    with django_capture_on_commit_callbacks(execute=False):
        services.mark_attendance(booking=absent, present=False, actor=counsellor.user, now=during)
    absent.refresh_from_db()
    assert absent.status == Booking.Status.NO_SHOW


def test_attendance_is_for_sessions_only(office, counsellor, alice):
    consultation = make_slot(office, counsellor, jst(2026, 11, 24, 14, 50))
    booking = Booking.objects.create(
        slot=consultation,
        user=alice,
        status=Booking.Status.CONFIRMED,
        full_name="x",
        full_name_kana="エックス",
        phone="090-1234-5678",
    )
    with pytest.raises(services.BookingError) as refused:
        services.mark_attendance(booking=booking, present=True, actor=None)
    assert refused.value.code == "not_session"


# Cancelling a session ---------------------------------------------------------------------


def test_cancelling_a_session_tells_every_participant_and_closes_its_room(
    office, seminar, make_user, services_terms, counsellor, django_capture_on_commit_callbacks
):
    people = [
        seminar_person(make_user, office, services_terms, f"p{n}@example.jp") for n in range(3)
    ]
    bookings = [
        book_quietly(office, p, seminar, django_capture_on_commit_callbacks) for p in people
    ]
    issue_all(bookings)
    with pytest.raises(services.BookingError):
        services.cancel_session(slot=seminar, actor=counsellor.user, reason="  ")
    with django_capture_on_commit_callbacks(execute=False):
        told = services.cancel_session(
            slot=seminar, actor=counsellor.user, reason="講師の急病のため"
        )
    assert told == 3
    seminar.refresh_from_db()
    assert seminar.cancelled_at == NOW
    for booking in Booking.objects.all():
        assert booking.status == Booking.Status.CANCELLED
        assert booking.cancel_reason == "講師の急病のため"
        assert selectors.access_code_for(booking=booking, user=booking.user) is None
        event = booking.events.get(action=BookingEvent.Action.SESSION_CANCELLED)
        assert event.actor == counsellor.user and event.note == "講師の急病のため"
    assert not Room.objects.valid().exists()
    assert SessionRoom.objects.get().invalidated_at == NOW
    notices = Message.objects.filter(kind=Message.Kind.BOOKING_CANCELLED)
    assert {m.user_id for m in notices} == {p.pk for p in people}
    subject, body = render_message(notices.first(), "ja")
    assert "中止" in subject and "講師の急病のため" in body
    subject_en, _ = render_message(notices.first(), "en")
    assert subject_en == "Session cancelled (Writing your application)"
    with pytest.raises(services.BookingError) as again:
        services.cancel_session(slot=seminar, actor=counsellor.user, reason="再度")
    assert again.value.code == "state"
    assert not selectors.upcoming_sessions(office, NOW)


def test_a_consultation_slot_is_not_cancelled_as_a_session(office, counsellor):
    consultation = make_slot(office, counsellor, jst(2026, 11, 27, 10))
    with pytest.raises(services.BookingError) as refused:
        services.cancel_session(slot=consultation, actor=None, reason="x")
    assert refused.value.code == "not_session"


# My Page, the calendar file --------------------------------------------------------------


def test_my_page_lists_sessions_apart_from_consultations(
    client, office, seminar, counsellor, alice, django_capture_on_commit_callbacks
):
    book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    consultation = make_slot(office, counsellor, jst(2026, 11, 27, 10))
    with django_capture_on_commit_callbacks(execute=False):
        book(office, alice, consultation)
    lists = selectors.my_page_lists(alice)
    assert [b.slot_id for b in lists["upcoming"]] == [consultation.pk]
    assert [b.slot_id for b in lists["sessions"]] == [seminar.pk]
    client.force_login(alice)
    html = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    sessions_at = html.index('id="my-sessions"')
    assert html.index("Writing your application") > sessions_at


def test_my_page_with_only_a_session_does_not_say_there_is_no_booking(
    client, office, seminar, alice, django_capture_on_commit_callbacks
):
    book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    client.force_login(alice)
    html = client.get("/me/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No upcoming bookings." not in html
    assert "No upcoming consultations." in html
    assert 'id="my-sessions"' in html


def test_the_calendar_file_carries_the_sessions_own_length(
    client, office, seminar, alice, django_capture_on_commit_callbacks
):
    booking = book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    client.force_login(alice)
    response = client.get(f"/me/bookings/{booking.pk}/calendar.ics")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert end - start == dt.timedelta(minutes=60)
    assert "応募書類の書き方セミナー" in str(event.get("summary"))


# Demo data --------------------------------------------------------------------------------


def test_the_demo_gives_itami_a_weekly_seminar_and_a_monthly_company_tour():
    from bookings.demo import load_demo

    load_demo()
    itami = Office.objects.get(slug="itami")
    services_terms = itami.terms_documents.get(slug="itami-online-services")
    seminars = Slot.objects.filter(office=itami, kind=SessionKind.SEMINAR).order_by("starts_at")
    tours = Slot.objects.filter(office=itami, kind=SessionKind.COMPANY_TOUR).order_by("starts_at")
    assert seminars.count() >= 3 and tours.count() >= 2
    weeks = {timezone.localtime(s.starts_at).isocalendar()[1] for s in seminars}
    assert len(weeks) == seminars.count()  # one a week
    months = {timezone.localtime(t.starts_at).month for t in tours}
    assert len(months) == tours.count()  # one a month
    for slot, capacity, minutes in [*((s, 5, 60) for s in seminars), *((t, 10, 90) for t in tours)]:
        assert slot.capacity == capacity
        assert slot.ends_at - slot.starts_at == dt.timedelta(minutes=minutes)
        assert slot.meeting_provider == "jitsi"  # not the office's fixed room
        assert slot.terms_document == services_terms
    assert itami.meeting_provider == "fixed"
    # The tour of 8 January 2027: the year-end closure and New Year's Day are skipped.
    assert timezone.localtime(tours[1].starts_at).date() == dt.date(2027, 1, 8)


def test_the_room_sweeper_closes_the_meetings_of_sessions_that_are_over(
    office, seminar, alice, sent, django_capture_on_commit_callbacks
):
    booking = book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    issue_all([booking])
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_rooms(now=seminar.ends_at - dt.timedelta(minutes=1))
    assert SessionRoom.objects.get().invalidated_at is None
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_rooms(now=seminar.ends_at)
    assert SessionRoom.objects.get().invalidated_at == seminar.ends_at
    assert not Room.objects.valid().exists()


def test_the_cached_list_of_sessions_shows_a_new_booking_at_once(
    client, office, seminar, alice, bob, sent, django_capture_on_commit_callbacks
):
    book_quietly(office, alice, seminar, django_capture_on_commit_callbacks)
    path = f"/offices/{office.slug}/"
    assert "4 seats left" in client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4 seats left" in client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the cache's bump, the room job
        booking = book(office, bob, seminar, job_seeker_number="")
    html = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 seats left" in html and "4 seats left" not in html
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking=booking, actor=bob)
    assert "4 seats left" in client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
