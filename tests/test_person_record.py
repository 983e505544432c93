"""A person's record for an office's staff: one page with the person's bookings, consents,
messages, restrictions and suspension at this office, and the actions taken from it —
behind the office wall, every look recorded, at a cost that does not grow with bookings."""

from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Message, StaffAccess
from bookings.models import Booking, Suspension
from tests.factories import (
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
    make_staff,
)
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 9, 0)


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW)


@pytest.fixture
def office():
    return make_office_with_terms(slug="a", municipality_codes=["01213"], booking_limit=100)


@pytest.fixture
def office_b():
    return make_office_with_terms(slug="b", municipality_codes=["01213"], booking_limit=100)


@pytest.fixture
def person(make_user, office, office_b):
    user = make_user("hanako@example.jp")
    make_eligible(user, office)
    make_eligible(user, office_b)
    return user


def url(office, user) -> str:
    return f"/admin/bookings/booking/person/{office.pk}/{user.pk}/"


def signed_in(user) -> Client:
    client = Client()
    sign_in_staff(client, user)
    client.cookies["django_language"] = "en"
    return client


def message(user, office, subject: str) -> Message:
    return Message.objects.create(
        user=user,
        kind=Message.Kind.GENERAL,
        params={"office_id": office.pk, "subject": subject, "body": "本文", "subject_en": subject},
    )


def booking_at(office, counsellor, user, day: int, hour: int = 10) -> Booking:
    return make_confirmed_booking(make_slot(office, counsellor, jst(2026, 11, day, hour)), user)


def test_a_counsellor_of_a_sees_the_record_at_a_only(office, office_b, person, counsellor):
    at_a = booking_at(office, counsellor, person, 26)
    at_b = booking_at(office_b, make_counsellor(office_b), person, 27)
    message(person, office, "Aからのお知らせ")
    message(person, office_b, "Bからのお知らせ")
    client = signed_in(counsellor.user)

    response = client.get(url(office, person))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert f"/admin/bookings/booking/{at_a.pk}/change/" in html
    assert f"/admin/bookings/booking/{at_b.pk}/change/" not in html
    assert f"/admin/bookings/booking/{at_a.pk}/access-code/" in html
    assert "Aからのお知らせ" in html and "Bからのお知らせ" not in html
    documents_a = [str(d) for d in office.terms_documents.all()]
    documents_b = [str(d) for d in office_b.terms_documents.all()]
    assert all(d in html for d in documents_a)
    assert not any(d in html for d in documents_b)
    assert "hanako@example.jp" in html and "090-1234-5678" in html
    assert StaffAccess.objects.filter(
        staff=counsellor.user, subject=person, what="person_record"
    ).exists()


def test_the_day_view_and_the_booking_page_link_to_the_record(office, person, counsellor):
    booking = make_confirmed_booking(make_slot(office, counsellor, jst(2026, 11, 24, 10)), person)
    client = signed_in(counsellor.user)
    assert url(office, person) in client.get("/admin/bookings/booking/day/").content.decode()
    change = client.get(f"/admin/bookings/booking/{booking.pk}/change/").content.decode()
    assert url(office, person) in change


def test_a_counsellor_of_b_gets_404_for_the_record_at_a(office, office_b, person, counsellor):
    booking_at(office, counsellor, person, 26)
    other = signed_in(make_counsellor(office_b).user)
    assert other.get(url(office, person)).status_code == HTTPStatus.NOT_FOUND
    assert other.post(url(office, person), {"do": "suspend", "reason": "x"}).status_code == 404
    assert not Suspension.objects.exists()
    assert not StaffAccess.objects.filter(what="person_record").exists()


def test_a_person_with_no_link_to_the_office_is_404(office, make_user, counsellor):
    stranger = make_user("stranger@example.jp")
    client = signed_in(counsellor.user)
    assert client.get(url(office, stranger)).status_code == HTTPStatus.NOT_FOUND


def test_suspend_and_lift_from_the_record(office, office_b, person, counsellor):
    open_at_a = booking_at(office, counsellor, person, 26)
    open_at_b = booking_at(office_b, make_counsellor(office_b), person, 27)
    client = signed_in(counsellor.user)

    refused = client.post(url(office, person), {"do": "suspend", "reason": " "}, follow=True)
    assert "Give a reason" in refused.content.decode()
    assert not Suspension.objects.exists()

    response = client.post(url(office, person), {"do": "suspend", "reason": "禁止事項に該当"})
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == url(office, person)
    suspension = Suspension.objects.get()
    assert suspension.office == office and suspension.reason == "禁止事項に該当"
    open_at_a.refresh_from_db()
    open_at_b.refresh_from_db()
    assert open_at_a.status == Booking.Status.CANCELLED
    assert open_at_b.status == Booking.Status.CONFIRMED

    refused = client.post(url(office, person), {"do": "lift", "reason": ""}, follow=True)
    assert "Give a reason" in refused.content.decode()
    client.post(url(office, person), {"do": "lift", "reason": "本人と面談済み"})
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None and suspension.lifted_by == counsellor.user


def test_an_immediate_start_from_the_record(office, person, counsellor):
    booking_at(office, counsellor, person, 20)  # a past booking: one of the office's people
    client = signed_in(counsellor.user)
    response = client.post(url(office, person), {"do": "immediate"}, follow=True)
    assert "The immediate consultation has started" in response.content.decode()
    assert Booking.objects.filter(user=person, is_immediate=True).count() == 1


def test_a_manager_without_a_counsellor_record_cannot_start(office, person, counsellor):
    booking_at(office, counsellor, person, 20)
    manager = signed_in(make_staff(office, "manager"))
    response = manager.post(url(office, person), {"do": "immediate"}, follow=True)
    assert "Only a counsellor of this office can start one." in response.content.decode()
    assert not Booking.objects.filter(user=person, is_immediate=True).exists()


def _queries(client, address: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == HTTPStatus.OK
    return [query["sql"] for query in queries.captured_queries]


def test_the_query_count_does_not_grow_with_bookings(office, person, make_user, counsellor):
    other = make_user("jiro@example.jp")
    make_eligible(other, office)
    for day in (25, 26):
        booking_at(office, counsellor, person, day)
    for day in range(1, 13):
        booking_at(office, counsellor, other, 10 + day % 10, hour=10 + day // 10)
    message(person, office, "A1")
    message(other, office, "A2")
    client = signed_in(counsellor.user)
    for someone in (person, other):  # warm the per-process caches
        _queries(client, url(office, someone))
    two, twelve = _queries(client, url(office, person)), _queries(client, url(office, other))
    assert len(two) == len(twelve), "\n".join([*two, "-" * 20, *twelve])
