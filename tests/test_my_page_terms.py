"""My Page's "terms you agreed to", rendered afresh, costs the same whether 2 or 50 offices
share the terms document: one entry per document, with the person's own offices."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import caches
from tests.factories import book, jst, make_counsellor, make_eligible, make_office, make_slot

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 15, 0)


@pytest.fixture(autouse=True)
def frozen_time(freeze):
    freeze(NOW, language="en")


@pytest.fixture
def office():
    from tests.factories import make_document, publish_historical

    office = make_office(slug="theirs", name_en="Their office", municipality_codes=["01213"])
    publish_historical(make_document(office, slug="national"), "## 第1条\n\n規約です。\n")
    return office


def share(document, count: int) -> None:
    for _ in range(count):
        make_office(name_en="Sharing office").terms_documents.add(document)


def agreed_part(client, django_capture_on_commit_callbacks, person) -> tuple[int, str]:
    """My Page with its lists rendered afresh: (queries, the agreed-terms part)."""
    with django_capture_on_commit_callbacks(execute=True):
        caches.my_page.changed(person.pk)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/me/")
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index("Terms you agreed to")
    return len(captured), html[start : html.index("</main>", start)]


@pytest.mark.parametrize("booked", [True, False])
def test_the_agreed_terms_cost_the_same_for_2_and_50_offices_sharing_the_document(
    english_client, make_user, office, django_capture_on_commit_callbacks, booked
):
    person = make_eligible(make_user(), office)
    if booked:
        book(office, person, make_slot(office, make_counsellor(office), jst(2026, 11, 26, 10)))
    english_client.force_login(person)
    english_client.get("/me/")  # the session is warm
    document = office.terms_documents.get()
    share(document, 1)
    few_queries, few = agreed_part(english_client, django_capture_on_commit_callbacks, person)
    share(document, 48)
    many_queries, many = agreed_part(english_client, django_capture_on_commit_callbacks, person)

    assert few_queries == many_queries
    assert "The terms of use of 2 offices." in few
    assert "The terms of use of 50 offices." in many
    assert many.replace("50 offices", "2 offices") == few  # nothing more is listed
    assert "Sharing office" not in many
    assert many.count("Version 1</a>") == 1
    # Booked there or not, the person's office (the first that uses the document) is named.
    assert 'href="/offices/theirs/terms/"' in many and "Their office" in many
    assert 'href="/offices/theirs/terms/national/v1/"' in many


def test_the_office_named_is_the_one_the_person_booked_at(
    english_client, make_user, office, django_capture_on_commit_callbacks
):
    document = office.terms_documents.get()
    mine = make_office(slug="mine", name_en="My own office", municipality_codes=["01213"])
    mine.terms_documents.add(document)
    person = make_eligible(make_user(), mine)
    book(mine, person, make_slot(mine, make_counsellor(mine), jst(2026, 11, 26, 10)))
    english_client.force_login(person)
    _queries, part = agreed_part(english_client, django_capture_on_commit_callbacks, person)
    assert "My own office" in part and 'href="/offices/mine/terms/national/v1/"' in part
    assert "Their office" not in part
    assert "The terms of use of 2 offices." in part
