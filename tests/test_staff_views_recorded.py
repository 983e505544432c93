"""Every staff view of a person's data is recorded (K8): lists and searches (the people
shown, the query), exports (how many rows, of whom), the access code, letters."""

import pytest
import time_machine

from accounts.models import StaffAccess
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
    make_staff,
)
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return make_office_with_terms(slug="k", municipality_codes=["01213"], booking_limit=5)


@pytest.fixture
def two_bookings(office, make_user):
    counsellor = make_counsellor(office)
    people = [make_eligible(make_user(f"p{n}@example.jp"), office) for n in range(2)]
    with time_machine.travel(jst(2026, 11, 24, 9, 0), tick=False):
        bookings = [
            book(office, person, make_slot(office, counsellor, jst(2026, 11, 26, 10 + n)))
            for n, person in enumerate(people)
        ]
    return counsellor, people, bookings


def test_a_list_records_each_person_shown(client, two_bookings):
    counsellor, people, _bookings = two_bookings
    sign_in_staff(client, counsellor.user)
    assert client.get("/admin/bookings/booking/").status_code == 200
    seen = set(
        StaffAccess.objects.filter(staff=counsellor.user, what="list:booking").values_list(
            "subject_id", flat=True
        )
    )
    assert seen == {person.pk for person in people}


def test_a_search_records_the_query(client, two_bookings):
    counsellor, _people, _bookings = two_bookings
    sign_in_staff(client, counsellor.user)
    client.get("/admin/bookings/booking/", {"q": "山田"})
    assert StaffAccess.objects.filter(what="list:booking", note="search: 山田").exists()


def test_an_export_records_its_rows_and_of_whom(client, office, two_bookings):
    _counsellor, people, _bookings = two_bookings
    manager = make_staff(office, "manager")
    sign_in_staff(client, manager)
    consents = [person.consents.get() for person in people]
    response = client.post(
        "/admin/terms/consent/",
        {"action": "export_csv", "_selected_action": [c.pk for c in consents]},
    )
    assert response["Content-Type"].startswith("text/csv")
    exported = StaffAccess.objects.filter(staff=manager, what="export:consent")
    assert set(exported.values_list("subject_id", flat=True)) == {p.pk for p in people}
    assert set(exported.values_list("note", flat=True)) == {"2 rows"}


def test_printing_a_letter_is_recorded(client, office):
    office.requires_issued_account = True
    office.save()
    manager = make_staff(office, "manager")
    sign_in_staff(client, manager)
    response = client.post(
        "/admin/bookings/office/",
        {"action": "issue_account", "_selected_action": [office.pk], "confirm": "yes", "email": ""},
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    access = StaffAccess.objects.get(staff=manager, what="letter")
    assert access.subject.issued_accounts.get().office == office
