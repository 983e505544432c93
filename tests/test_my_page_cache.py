"""My Page's lists are rendered once and kept until the person's bookings or consents
change: every change shows at once, and nobody ever sees another person's lists."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bookings import services
from bookings.models import Booking
from terms.models import Consent
from terms.services import create_draft, publish_version, record_consent
from tests.factories import (
    book,
    jst,
    make_eligible,
    make_office_with_terms,
    make_slot,
)

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 15, 0)  # a Tuesday afternoon, Japan time


@pytest.fixture(autouse=True)
def frozen_time(freeze):
    freeze(NOW, language="en")


@pytest.fixture
def client(english_client):
    return english_client


@pytest.fixture
def office():
    return make_office_with_terms(slug="cache-test", municipality_codes=["01213"])


def my_page(client) -> str:
    response = client.get("/me/")
    assert response.status_code == 200
    return response.content.decode()


def upcoming_part(html: str) -> str:
    return html.split("Upcoming bookings", 1)[1].split("<h2", 1)[0]


def test_the_second_visit_reads_the_lists_from_the_cache(client, alice, office, counsellor):
    book(office, alice, make_slot(office, counsellor, jst(2026, 11, 26, 10, 0)))
    client.force_login(alice)
    with CaptureQueriesContext(connection) as first:
        my_page(client)
    with CaptureQueriesContext(connection) as second:
        html = my_page(client)
    assert "Thu, 26 November 2026, 10:00" in html
    tables = " ".join(q["sql"] for q in second.captured_queries)
    assert "bookings_booking" not in tables and "terms_consent" not in tables
    assert len(second) < len(first)


def test_a_new_booking_shows_at_once(
    client, alice, office, counsellor, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    assert "No upcoming bookings." in my_page(client)
    with django_capture_on_commit_callbacks(execute=True):
        book(office, alice, make_slot(office, counsellor, jst(2026, 11, 26, 10, 0)))
    html = my_page(client)
    assert "No upcoming bookings." not in html
    assert "Thu, 26 November 2026, 10:00" in upcoming_part(html)


def test_a_cancellation_moves_the_booking_out_of_upcoming_at_once(
    client, alice, office, counsellor, django_capture_on_commit_callbacks
):
    booking = book(office, alice, make_slot(office, counsellor, jst(2026, 11, 26, 10, 0)))
    client.force_login(alice)
    assert "Thu, 26 November 2026, 10:00" in upcoming_part(my_page(client))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking=booking, actor=alice)
    html = my_page(client)
    assert "Thu, 26 November 2026, 10:00" not in upcoming_part(html)
    assert "Past and closed bookings" in html and "Cancelled" in html


def test_the_no_show_sweep_shows_at_once(
    client, alice, office, counsellor, django_capture_on_commit_callbacks
):
    slot = make_slot(office, counsellor, jst(2026, 11, 24, 16, 0))
    with time_machine.travel(jst(2026, 11, 23, 12, 0), tick=False):
        book(office, alice, slot)
    client.force_login(alice)
    assert "Tue, 24 November 2026, 16:00" in upcoming_part(my_page(client))
    with time_machine.travel(jst(2026, 11, 24, 16, 10), tick=False):
        # The sweep cancels with one bulk UPDATE, which sends no signal of its own.
        with django_capture_on_commit_callbacks(execute=True):
            assert services.sweep_no_shows() == 1
        html = my_page(client)
    assert "Tue, 24 November 2026, 16:00" not in upcoming_part(html)
    assert str(Booking.Status.NO_SHOW.label) in html


def test_a_new_consent_shows_at_once(client, alice, office, django_capture_on_commit_callbacks):
    document = office.terms_documents.get()
    with django_capture_on_commit_callbacks(execute=True):
        v2 = publish_version(
            version=create_draft(document=document, text="## 第1条\n\n改定。\n", change_summary="x")
        )
    client.force_login(alice)
    assert "Version 2" not in my_page(client)
    with django_capture_on_commit_callbacks(execute=True):
        record_consent(user=alice, version=v2, method=Consent.Method.EXPLICIT)
    assert "Version 2" in my_page(client)


def test_an_immediate_consultation_shows_at_once(
    client, alice, office, counsellor, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    assert "has started an immediate consultation" not in my_page(client)
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.start_immediate_consultation(counsellor=counsellor, user=alice)
    html = my_page(client)
    assert "has started an immediate consultation" in html
    assert f"/me/bookings/{booking.pk}/" in html


def test_a_slot_moved_in_admin_shows_its_new_time_at_once(
    client, alice, office, counsellor, admin_user, django_capture_on_commit_callbacks
):
    from django.test import Client

    from tests.support.staff import sign_in_staff

    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10, 0))
    book(office, alice, slot)
    client.force_login(alice)
    assert "Thu, 26 November 2026, 10:00" in my_page(client)
    staff = Client()
    sign_in_staff(staff, admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(
            f"/admin/bookings/slot/{slot.pk}/change/",
            {
                "office": office.pk,
                "counsellor": counsellor.pk,
                "starts_at_0": "2026-11-26",
                "starts_at_1": "11:00",
                "ends_at_0": "2026-11-26",
                "ends_at_1": "11:30",
                "kind": slot.kind,
                "capacity": slot.capacity,
                "title": "",
                "title_en": "",
                "cancelled_at_0": "",
                "cancelled_at_1": "",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    html = my_page(client)
    assert "Thu, 26 November 2026, 11:00" in html
    assert "Thu, 26 November 2026, 10:00" not in html


def test_each_language_and_each_person_gets_their_own_lists(
    client, alice, make_user, office, counsellor
):
    book(office, alice, make_slot(office, counsellor, jst(2026, 11, 26, 10, 0)))
    client.force_login(alice)
    assert "Upcoming bookings" in my_page(client)
    client.cookies["django_language"] = "ja"
    with translation.override("ja"):
        html = my_page(client)
    assert "これからの予約" in html and "Upcoming bookings" not in html

    bob = make_eligible(make_user("bob@example.jp"), office)
    client.force_login(bob)
    client.cookies["django_language"] = "en"
    assert "No upcoming bookings." in my_page(client)
