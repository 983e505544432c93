"""Managers publish a date range of slots for every counsellor of their office at once: a
dry run says what will be created and what is skipped (public holidays, closures,
absences), a confirm button creates it, and publishing again creates nothing twice."""

import datetime as dt
from http import HTTPStatus

import pytest

from bookings import services
from bookings.models import OfficeClosure, Slot, SlotTemplate
from tests.factories import jst, make_counsellor, make_office_with_terms, make_slot, make_staff
from tests.support.staff import sign_in_staff

pytestmark = pytest.mark.django_db
OFFICES = "/admin/bookings/office/"
# Monday 11 January 2027 is Coming of Age Day (成人の日); Wednesday 13 the office is closed.
FIRST, LAST = "2027-01-11", "2027-01-15"


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(jst(2026, 12, 1, 9))


@pytest.fixture
def office():
    office = make_office_with_terms(slug="k", start_times=["10:00", "14:00"])
    OfficeClosure.objects.create(
        office=office, start_date=dt.date(2027, 1, 13), end_date=dt.date(2027, 1, 13)
    )
    return office


@pytest.fixture
def team(office):
    """Two counsellors with a template every weekday at 10:00 and 14:00; Aoki is away on
    Thursday afternoon, and Baba's Tuesday 10:00 is published already."""
    aoki, baba = make_counsellor(office), make_counsellor(office)
    aoki.display_name, baba.display_name = "青木", "馬場"
    aoki.save(), baba.save()
    for counsellor in (aoki, baba):
        for weekday in range(5):
            for hour in (10, 14):
                SlotTemplate.objects.create(
                    office=office, counsellor=counsellor, weekday=weekday, start_time=dt.time(hour)
                )
    services.record_absence(
        counsellor_id=aoki.pk,
        starts_at=jst(2027, 1, 14, 13),
        ends_at=jst(2027, 1, 14, 17),
        actor=None,
    )
    make_slot(office, baba, jst(2027, 1, 12, 10))
    return aoki, baba


def manager_client(client, office):
    sign_in_staff(client, make_staff(office, "manager"))
    client.cookies["django_language"] = "en"
    return client


def publish(client, office, *steps: str):
    data = {
        "action": "publish_slots",
        "_selected_action": [office.pk],
        "first_day": FIRST,
        "last_day": LAST,
    }
    return client.post(OFFICES, {**data, **{step: "yes" for step in steps}})


def test_the_dry_run_says_what_will_be_created_and_creates_nothing(client, office, team):
    client = manager_client(client, office)
    form = client.post(OFFICES, {"action": "publish_slots", "_selected_action": [office.pk]})
    assert form.status_code == HTTPStatus.OK and 'name="first_day"' in form.content.decode()
    html = publish(client, office, "preview").content.decode()
    # Tuesday, Thursday and Friday, two counsellors, two times: 12, less Aoki's Thursday
    # afternoon and Baba's Tuesday 10:00 that exists.
    assert "Dry run: nothing has been created yet" in html
    assert "10 slots will be created" in html
    assert "青木: 5" in html and "馬場: 5" in html
    assert "1 slot exists already" in html
    assert "1 public holiday skipped: Mon, 11 January 2027" in html
    assert "1 closure day skipped: Wed, 13 January 2027" in html
    assert "1 slot skipped for an absence: 青木 Thu, 14 January 2027, 14:00" in html
    assert Slot.objects.count() == 1


def test_confirming_publishes_and_publishing_twice_creates_nothing_twice(client, office, team):
    aoki, _baba = team
    client = manager_client(client, office)
    response = publish(client, office, "confirm")
    assert response.status_code == HTTPStatus.FOUND
    assert Slot.objects.count() == 11
    assert not Slot.objects.filter(counsellor=aoki, starts_at=jst(2027, 1, 14, 14)).exists()
    assert not Slot.objects.filter(starts_at__date=dt.date(2027, 1, 13)).exists()
    assert not Slot.objects.filter(starts_at__date=dt.date(2027, 1, 11)).exists()
    again = publish(client, office, "preview").content.decode()
    assert "0 slots will be created" in again and "11 slots exist already" in again
    publish(client, office, "confirm")
    assert Slot.objects.count() == 11


def test_bad_days_are_refused_with_a_message(client, office, team):
    client = manager_client(client, office)
    response = client.post(
        OFFICES,
        {
            "action": "publish_slots",
            "_selected_action": [office.pk],
            "first_day": LAST,
            "last_day": FIRST,
            "confirm": "yes",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "The last day must not be before the first." in response.content.decode()
    response = client.post(
        OFFICES,
        {
            "action": "publish_slots",
            "_selected_action": [office.pk],
            "first_day": "2026-11-30",
            "last_day": "not a day",
            "confirm": "yes",
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert Slot.objects.count() == 1


def test_a_counsellor_cannot_publish_for_the_whole_office(client, office, team):
    aoki, _baba = team
    sign_in_staff(client, aoki.user)
    response = publish(client, office, "confirm")
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)
    assert Slot.objects.count() == 1


def test_another_offices_manager_cannot_publish_here(client, office, team):
    other = make_office_with_terms(slug="other")
    client = manager_client(client, other)
    publish(client, office, "confirm")
    assert Slot.objects.count() == 1
