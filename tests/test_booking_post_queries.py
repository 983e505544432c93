"""A booking POST reads each thing once: the seat first, under its lock (issue 20).

Counted on PostgreSQL with real transactions (a test that is not wrapped in one), as
the request sends them: every statement, the transaction's BEGIN and COMMIT or ROLLBACK
included. The jobs the booking enqueues go to the broker, as in production (their work
is the worker's, not the request's)."""

import pytest
import time_machine
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, BookingEvent, Slot
from terms.models import Consent
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("real_notice_jobs")]

BOOKED_AT_MOST = 12
TAKEN_AT_MOST = 6

APPLICATION = {
    "full_name": "山田 太郎",
    "full_name_kana": "ヤマダ タロウ",
    "job_seeker_number": "01234-5678901",
}


def statements(client, path: str, data: dict) -> tuple[list[str], HttpResponse]:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(path, data)
    return [q["sql"] for q in captured.captured_queries], response


@pytest.fixture
def office_and_slots(db):
    office = make_office_with_terms(slug="counted", municipality_codes=["01213"])
    counsellor = make_counsellor(office)
    slots = [make_slot(office, counsellor, jst(2026, 11, 27, hour, 0)) for hour in (10, 11)]
    return office, slots


def person_with_consents_and_a_booking(make_user, office, email: str):
    """A person with consents, a profile and an open booking elsewhere at the office."""
    person = make_eligible(make_user(email), office)
    counsellor = make_counsellor(office, f"c-{email}")
    make_slot(office, counsellor, jst(2026, 11, 30, 14, 0))
    office.booking_limit = 2
    office.save(update_fields=["booking_limit"])
    book(office, person, Slot.objects.get(starts_at=jst(2026, 11, 30, 14, 0)))
    assert person.consents.exists()
    return person


@time_machine.travel(jst(2026, 11, 24, 9, 0))
def test_a_booked_post_sends_at_most_twelve_statements(client, make_user, office_and_slots):
    office, (slot, _other) = office_and_slots
    person = person_with_consents_and_a_booking(make_user, office, "counted@example.jp")
    client.force_login(person)
    client.get("/offices/counted/")  # the session is warm, as for a person who chose a slot
    sent, response = statements(client, f"/offices/counted/book/{slot.pk}/", APPLICATION)
    booking = Booking.objects.get(slot=slot, user=person)
    assert response.status_code == 302 and response["Location"] == f"/me/bookings/{booking.pk}/"
    assert booking.status == Booking.Status.CONFIRMED
    assert list(booking.events.values_list("action", flat=True).order_by("pk")) == [
        BookingEvent.Action.REQUESTED,
        BookingEvent.Action.CONFIRMED,
    ]
    assert len(sent) <= BOOKED_AT_MOST, "\n".join(sent)
    # Each thing read once: the terms in force, the person's consents and bookings.
    assert sum("terms_termsversion" in sql.split(" WHERE ")[0] for sql in sent) == 1
    reads = [sql for sql in sent if sql.startswith("SELECT")]
    assert sum(f'"bookings_booking"."user_id" = {person.pk}' in sql for sql in reads) == 1
    # The seat: seen once without a lock (a full slot is refused there), then under it.
    assert sum('FROM "bookings_booking"' in sql for sql in reads) == 2


@time_machine.travel(jst(2026, 11, 24, 9, 0))
def test_a_first_booking_records_the_consent_it_counts_as(client, make_user, office_and_slots):
    office, (slot, _other) = office_and_slots
    person = make_eligible(make_user("first@example.jp"), office, consent=False)
    client.force_login(person)
    client.get("/offices/counted/")
    version = office.terms_documents.get().versions.get()
    sent, response = statements(
        client, f"/offices/counted/book/{slot.pk}/", {**APPLICATION, f"agree_{version.pk}": "on"}
    )
    assert response.status_code == 302
    assert Consent.objects.get(user=person).method == Consent.Method.DEEMED_BY_BOOKING
    assert len(sent) <= BOOKED_AT_MOST + 1, "\n".join(sent)  # the consent's insert


@time_machine.travel(jst(2026, 11, 24, 9, 0))
def test_a_post_for_a_seat_just_taken_checks_the_seat_first(client, make_user, office_and_slots):
    office, (slot, _other) = office_and_slots
    first = make_eligible(make_user("first@example.jp"), office)
    book(office, first, slot)
    person = person_with_consents_and_a_booking(make_user, office, "late@example.jp")
    client.force_login(person)
    client.get("/offices/counted/")
    sent, response = statements(client, f"/offices/counted/book/{slot.pk}/", APPLICATION)
    assert response.status_code == 302 and response["Location"] == "/offices/counted/"
    assert not Booking.objects.filter(slot=slot, user=person).exists()
    assert len(sent) <= TAKEN_AT_MOST, "\n".join(sent)
    # The seat was the first question: no lock waited for, no transaction, nothing of
    # the rules, the terms or the consents read.
    assert not any("FOR UPDATE" in sql or "FOR NO KEY UPDATE" in sql for sql in sent)
    assert "BEGIN" not in sent
    assert not any('FROM "terms_' in sql or "bookings_suspension" in sql for sql in sent)
    page = client.get("/offices/counted/").content.decode()
    assert "この予約枠はちょうど埋まりました" in page


@pytest.mark.postgres
@time_machine.travel(jst(2026, 11, 24, 9, 0))
def test_a_booked_post_sends_its_independent_reads_together(client, make_user, office_and_slots):
    """Under the locks, two round trips carry two statements each: the person and the slot
    (locked in that order), then the bookings the rules count and the terms still due."""
    from tests.support.exchanges import through_proxy

    office, (slot, _other) = office_and_slots
    person = person_with_consents_and_a_booking(make_user, office, "together@example.jp")
    client.force_login(person)
    client.get("/offices/counted/")
    with through_proxy(connection) as proxy:
        sent, response = statements(client, f"/offices/counted/book/{slot.pk}/", APPLICATION)
        round_trips = proxy.exchanges
    assert response.status_code == 302 and Booking.objects.filter(slot=slot, user=person).exists()
    assert round_trips == len(sent) - 2, "\n".join(sent)
