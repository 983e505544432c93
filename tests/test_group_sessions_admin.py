"""Staff make sessions in admin (one-off, or from the weekly template with holidays and
closures skipped), cancel them with a reason, and mark attendance, behind the office
wall."""

import datetime as dt

import pytest

from accounts.models import Message
from bookings import services
from bookings.models import Booking, SessionKind, Slot, SlotTemplate
from tests.factories import (
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_document,
    make_office_with_terms,
    make_slot,
    make_staff,
    publish_historical,
)
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 18, 15, 0)


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW, language="en")


@pytest.fixture
def office():
    office = make_office_with_terms(slug="itami-admin", meeting_provider="fixed")
    publish_historical(make_document(office, slug="itami-services"), "## 第1条\n\n規約。\n")
    return office


@pytest.fixture
def services_terms(office):
    return office.terms_documents.get(slug="itami-services")


@pytest.fixture
def manager(client, office):
    user = make_staff(office, "manager")
    sign_in_staff(client, user)
    client.cookies["django_language"] = "en"
    return user


def session_form(office, counsellor, services_terms, **more) -> dict:
    return {
        "office": office.pk,
        "counsellor": counsellor.pk,
        "starts_at_0": "2026-11-26",
        "starts_at_1": "14:00",
        "ends_at_0": "2026-11-26",
        "ends_at_1": "15:30",
        "kind": SessionKind.COMPANY_TOUR,
        "capacity": 10,
        "title": "企業見学会",
        "title_en": "Company tour",
        "description": "市内の企業をオンラインで見学します。",
        "participant_notes": "カメラはオフでも構いません。",
        "terms_document": services_terms.pk,
        "meeting_provider": "jitsi",
        **more,
    }


def test_staff_add_a_one_off_session_with_its_own_length_and_rules(
    client, manager, office, counsellor, services_terms
):
    response = client.post(
        "/admin/bookings/slot/add/", session_form(office, counsellor, services_terms)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    tour = Slot.objects.get()
    assert tour.is_session and tour.capacity == 10
    assert tour.ends_at - tour.starts_at == dt.timedelta(minutes=90)
    assert tour.terms_document == services_terms and tour.meeting_provider == "jitsi"
    assert not tour.requires_job_seeker_number and not tour.requires_confirmation


def test_a_session_hosted_by_another_offices_counsellor_is_refused(
    client, manager, office, services_terms
):
    elsewhere = make_counsellor(make_office_with_terms())
    response = client.post(
        "/admin/bookings/slot/add/", session_form(office, elsewhere, services_terms)
    )
    assert response.status_code == 200
    assert not Slot.objects.exists()


def test_a_sessions_capacity_cannot_go_below_its_booked_seats(
    client, manager, office, counsellor, services_terms, make_user
):
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 14), capacity=5, minutes=90)
    Slot.objects.filter(pk=slot.pk).update(kind=SessionKind.COMPANY_TOUR, title="見学会")
    for n in range(3):
        make_confirmed_booking(slot, make_user(f"p{n}@example.jp"), seat=n + 1)
    data = session_form(office, counsellor, services_terms, capacity=2)
    response = client.post(f"/admin/bookings/slot/{slot.pk}/change/", data)
    assert response.status_code == 200
    assert "3 seats are booked: the capacity cannot be lower." in response.content.decode()
    slot.refresh_from_db()
    assert slot.capacity == 5


def test_a_weekly_session_template_gives_its_length_and_rules_skipping_holidays(
    client, manager, office, counsellor, services_terms
):
    response = client.post(
        "/admin/bookings/slottemplate/add/",
        {
            "office": office.pk,
            "counsellor": counsellor.pk,
            "weekday": 0,
            "start_time": "13:00",  # not one of the office's start times: its own
            "kind": SessionKind.SEMINAR,
            "capacity": 5,
            "minutes": 60,
            "title": "就職セミナー",
            "terms_document": services_terms.pk,
            "participant_notes": "筆記用具をご用意ください。",
            "requires_job_seeker_number": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert SlotTemplate.objects.get().minutes == 60
    # The week of 2026-11-23: Monday is 勤労感謝の日, a public holiday.
    created = services.generate_slots(office=office, start=dt.date(2026, 11, 23), weeks=2)
    assert created == 1
    seminar = Slot.objects.get()
    assert seminar.starts_at == jst(2026, 11, 30, 13, 0)
    assert seminar.ends_at == jst(2026, 11, 30, 14, 0)
    assert (seminar.kind, seminar.capacity, seminar.terms_document) == (
        SessionKind.SEMINAR,
        5,
        services_terms,
    )
    assert seminar.participant_notes == "筆記用具をご用意ください。"
    assert seminar.requires_job_seeker_number
    assert services.generate_slots(office=office, start=dt.date(2026, 11, 23), weeks=2) == 0


def test_staff_cancel_a_session_with_a_reason_from_the_list(
    client, manager, office, counsellor, make_user, django_capture_on_commit_callbacks
):
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 14), capacity=5, minutes=60)
    Slot.objects.filter(pk=slot.pk).update(kind=SessionKind.SEMINAR, title="セミナー")
    people = [make_user(f"p{n}@example.jp") for n in range(2)]
    for n, person in enumerate(people):
        make_confirmed_booking(slot, person, seat=n + 1)
    asked = client.post(
        "/admin/bookings/slot/", {"action": "cancel_session", "_selected_action": [slot.pk]}
    )
    assert asked.status_code == 200 and Slot.objects.get().cancelled_at is None
    with django_capture_on_commit_callbacks(execute=False):
        done = client.post(
            "/admin/bookings/slot/",
            {
                "action": "cancel_session",
                "_selected_action": [slot.pk],
                "confirm": "yes",
                "reason": "講師の都合により中止します",
            },
        )
    assert done.status_code == 302
    assert Slot.objects.get().cancelled_at == NOW
    assert set(Booking.objects.values_list("status", flat=True)) == {Booking.Status.CANCELLED}
    notices = Message.objects.filter(kind=Message.Kind.BOOKING_CANCELLED)
    assert {m.user_id for m in notices} == {p.pk for p in people}
    assert all(m.params["reason"] == "講師の都合により中止します" for m in notices)


def test_a_counsellor_of_another_office_cannot_cancel_the_session(
    client, office, counsellor, make_user
):
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 14), capacity=5, minutes=60)
    Slot.objects.filter(pk=slot.pk).update(kind=SessionKind.SEMINAR, title="セミナー")
    make_confirmed_booking(slot, make_user("p@example.jp"))
    outsider = make_staff(make_office_with_terms(), "manager")
    sign_in_staff(client, outsider)
    client.post(
        "/admin/bookings/slot/",
        {
            "action": "cancel_session",
            "_selected_action": [slot.pk],
            "confirm": "yes",
            "reason": "x",
        },
    )
    assert Slot.objects.get().cancelled_at is None
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


def test_the_host_marks_attendance_from_the_bookings_list(
    client, office, counsellor, make_user, freeze
):
    slot = make_slot(office, counsellor, jst(2026, 11, 18, 14, 30), capacity=5, minutes=60)
    Slot.objects.filter(pk=slot.pk).update(kind=SessionKind.SEMINAR, title="セミナー")
    present = make_confirmed_booking(slot, make_user("a@example.jp"), seat=1)
    absent = make_confirmed_booking(slot, make_user("b@example.jp"), seat=2)
    sign_in_staff(client, counsellor.user)
    for action, booking in (("mark_attended", present), ("mark_absent", absent)):
        response = client.post(
            "/admin/bookings/booking/", {"action": action, "_selected_action": [booking.pk]}
        )
        assert response.status_code == 302
    present.refresh_from_db()
    absent.refresh_from_db()
    assert present.started_at == NOW
    assert absent.started_at is None and absent.status == Booking.Status.CONFIRMED
    assert absent.events.filter(action="absent", actor=counsellor.user).exists()
