"""Whose slot it is: an office may name the counsellor of each free time on its page (off
by default; on for Itami's continuing support). The week stays one cached fragment and
costs no query per counsellor; a person in continuing support sees their counsellor's
times; on the change page, the booking's counsellor's times come first."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.demo.data import OFFICES
from bookings.models import ContinuingSupport, Office
from tests.factories import book, jst, make_counsellor, make_office_with_terms, make_slot

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 15, 0)  # a Tuesday afternoon
WEEK = "?week=2026-11-23"


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW)


@pytest.fixture
def office():
    return make_office_with_terms(slug="names", municipality_codes=["01213"])


def counsellors_at(office, count: int, when):
    counsellors = [make_counsellor(office) for _ in range(count)]
    for counsellor in counsellors:
        make_slot(office, counsellor, when)
    return counsellors


def page(client, office) -> str:
    return client.get(f"/offices/{office.slug}/{WEEK}").content.decode()


def test_by_default_a_time_is_shown_once_without_names(client, office):
    first, second = counsellors_at(office, 2, jst(2026, 11, 26, 10))
    html = page(client, office)
    assert html.count('class="slot"') == 1
    assert first.display_name not in html and second.display_name not in html


def test_an_office_that_names_its_counsellors_shows_each_ones_time(client, office):
    first, second = counsellors_at(office, 2, jst(2026, 11, 26, 10))
    page(client, office)  # cached without names
    office.shows_counsellor_names = True
    office.save()
    html = page(client, office)  # the setting is part of the fragment's key: at once
    assert html.count('class="slot"') == 2
    assert f'<span class="slot__counsellor">{first.display_name}</span>' in html
    assert f'<span class="slot__counsellor">{second.display_name}</span>' in html


def queries(client, path: str) -> int:
    cache.clear()  # rendered afresh
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_names_cost_no_query_per_counsellor(client):
    counts = []
    for n in (1, 5):
        office = make_office_with_terms(
            slug=f"names-{n}", municipality_codes=["01213"], shows_counsellor_names=True
        )
        for hour in (10, 11, 14):
            counsellors_at(office, n, jst(2026, 11, 26, hour))
        client.get(f"/offices/{office.slug}/{WEEK}")
        counts.append(queries(client, f"/offices/{office.slug}/{WEEK}"))
    assert counts[0] == counts[1] <= 12


def test_a_person_in_continuing_support_sees_their_counsellors_times_named(client, office, alice):
    office.shows_counsellor_names = True
    office.save()
    own, other = counsellors_at(office, 2, jst(2026, 11, 26, 10))
    ContinuingSupport.objects.create(user=alice, office=office, counsellor=own)
    client.force_login(alice)
    html = page(client, office)
    assert html.count('class="slot"') == 1
    assert f'<span class="slot__counsellor">{own.display_name}</span>' in html
    assert other.display_name not in html


def test_on_the_change_page_the_bookings_counsellor_comes_first_and_is_marked(
    english_client, office, alice
):
    office.shows_counsellor_names = True
    office.save()
    other, own = counsellors_at(office, 2, jst(2026, 11, 27, 10))
    booking = book(office, alice, make_slot(office, own, jst(2026, 11, 26, 10)))
    english_client.force_login(alice)
    html = english_client.get(f"/me/bookings/{booking.pk}/change/{WEEK}").content.decode()
    choices = html[html.index('id="new-time"') :]  # Friday: the only day with free times
    assert choices.index(own.display_name) < choices.index(other.display_name)
    assert f"{own.display_name} (same counsellor as now)" in html
    assert f"{other.display_name} (same counsellor as now)" not in html


def test_itami_names_its_counsellors_in_the_demo_and_new_offices_do_not():
    itami = next(spec for spec in OFFICES if spec["slug"] == "itami")
    assert itami["shows_counsellor_names"] is True
    assert Office._meta.get_field("shows_counsellor_names").default is False
    others = [spec for spec in OFFICES if spec["slug"] != "itami"]
    assert not any(spec.get("shows_counsellor_names") for spec in others)
