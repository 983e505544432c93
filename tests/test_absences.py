"""Counsellors' absences (不在) and office closures: no slots are published inside them,
their free slots close at once, and their bookings are listed for staff, who move each to
another counsellor at the same time or ask the person to choose a new time."""

import datetime as dt
from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts.messages import render_message
from accounts.models import Message
from bookings import caches, selectors, services
from bookings.models import Absence, Booking, BookingEvent, OfficeClosure, Slot, SlotTemplate
from bookings.selectors.absences import bookings_to_move
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
NOW = jst(2026, 11, 24, 9, 0)  # a Tuesday
THURSDAY = dt.date(2026, 11, 26)
BOOKINGS = "/admin/bookings/booking/"


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW)


@pytest.fixture
def office():
    return make_office_with_terms(slug="k", municipality_codes=["01213"])


@pytest.fixture
def thursday(office, counsellor, make_user):
    """The counsellor's Thursday: 10:00 booked by Alice, 11:00 and 14:00 free."""
    alice = make_eligible(make_user("alice@example.jp", language="en"), office)
    booked = make_slot(office, counsellor, jst(2026, 11, 26, 10))
    booking = make_confirmed_booking(booked, alice)
    free = [make_slot(office, counsellor, jst(2026, 11, 26, hour)) for hour in (11, 14)]
    return booking, free


def signed_in(client, user):
    sign_in_staff(client, user)
    client.cookies["django_language"] = "en"
    return client


def absence_form(counsellor, **fields):
    return {
        "counsellor": counsellor.pk,
        "first_day": THURSDAY.isoformat(),
        "last_day": "",
        "from_time": "",
        "to_time": "",
        "reason": "研修",
        **fields,
    }


def record(counsellor, start, end, actor=None):
    absence, _cascade = services.record_absence(
        counsellor_id=counsellor.pk, starts_at=start, ends_at=end, actor=actor
    )
    return absence


# Generation ---------------------------------------------------------------------------------


def test_no_slots_are_generated_inside_an_absence(office, counsellor):
    for weekday in (2, 3):  # Wednesday and Thursday at 10:00 and 14:00
        for hour in (10, 14):
            SlotTemplate.objects.create(
                office=office, counsellor=counsellor, weekday=weekday, start_time=dt.time(hour)
            )
    # Away on Wednesday 25 all day and on Thursday 26 in the afternoon.
    record(counsellor, jst(2026, 11, 25), jst(2026, 11, 26))
    record(counsellor, jst(2026, 11, 26, 13), jst(2026, 11, 26, 17))
    created = services.generate_slots(office=office, start=dt.date(2026, 11, 24), weeks=1)
    starts = sorted(Slot.objects.values_list("starts_at", flat=True))
    assert starts == [jst(2026, 11, 26, 10)] and created == 1


# Recording an absence -----------------------------------------------------------------------


def test_a_counsellor_records_their_absence_and_its_free_slots_close_at_once(
    client, office, counsellor, thursday, monkeypatch
):
    booking, free = thursday
    friday = make_slot(office, counsellor, jst(2026, 11, 27, 10))
    make_confirmed_booking(friday, booking.user, full_name="金曜 次郎")
    bumped: list[int] = []
    monkeypatch.setattr(caches.slot_weeks, "changed", bumped.append)
    client = signed_in(client, counsellor.user)
    response = client.post("/admin/bookings/absence/add/", absence_form(counsellor))
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    absence = Absence.objects.get()
    assert (absence.starts_at, absence.ends_at) == (jst(2026, 11, 26), jst(2026, 11, 27))
    assert absence.recorded_by == counsellor.user
    for slot in free:
        slot.refresh_from_db()
        assert slot.cancelled_at == NOW
    assert office.pk in bumped  # the office page's cached week is rebuilt
    # The booked slot stays (the booking is still open) and is listed to move.
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.slot.cancelled_at is None
    page = client.get(response["Location"]).content.decode()
    assert "2 free slots were closed." in page and "1 booking is inside it" in page
    listed = client.get(BOOKINGS, {"to_move": "yes"}).content.decode()
    assert "山田 花子" in listed and "金曜 次郎" not in listed


def test_an_absence_of_some_hours_closes_only_those_hours(office, counsellor, thursday):
    _booking, free = thursday
    record(counsellor, jst(2026, 11, 26, 13), jst(2026, 11, 26, 16))
    assert [Slot.objects.get(pk=s.pk).cancelled_at for s in free] == [None, NOW]
    assert not bookings_to_move().exists()


def test_hours_are_given_both_or_neither(client, counsellor, thursday):
    client = signed_in(client, counsellor.user)
    response = client.post(
        "/admin/bookings/absence/add/", absence_form(counsellor, from_time="13:00")
    )
    assert response.status_code == HTTPStatus.OK
    assert "Give both times, or neither for whole days." in response.content.decode()
    response = client.post(
        "/admin/bookings/absence/add/",
        absence_form(counsellor, from_time="15:00", to_time="13:00"),
    )
    assert "An absence must end after it starts." in response.content.decode()
    assert not Absence.objects.exists()


def test_a_counsellor_cannot_record_a_colleagues_absence(client, office, counsellor):
    colleague = make_counsellor(office)
    client = signed_in(client, counsellor.user)
    response = client.post("/admin/bookings/absence/add/", absence_form(colleague))
    assert response.status_code == HTTPStatus.OK  # the choice is refused, nothing is saved
    assert not Absence.objects.exists()


def test_a_manager_records_a_counsellors_absence_but_not_at_another_office(
    client, office, counsellor
):
    manager = make_staff(office, "manager")
    client = signed_in(client, manager)
    assert client.post("/admin/bookings/absence/add/", absence_form(counsellor)).status_code == (
        HTTPStatus.FOUND
    )
    other = make_office_with_terms(slug="other")
    stranger = make_counsellor(other)
    client.post("/admin/bookings/absence/add/", absence_form(stranger))
    assert list(Absence.objects.values_list("counsellor", flat=True)) == [counsellor.pk]
    other_absence = record(stranger, jst(2026, 11, 26), jst(2026, 11, 27))
    page = client.get(f"/admin/bookings/absence/{other_absence.pk}/change/")
    assert page.status_code in (HTTPStatus.FOUND, HTTPStatus.NOT_FOUND)


# Moving the bookings inside ----------------------------------------------------------------


def move_action(client, bookings):
    return client.post(
        BOOKINGS + "?to_move=yes",
        {"action": "move_out_of_absence", "_selected_action": [b.pk for b in bookings]},
    )


def test_the_action_moves_a_booking_to_another_counsellor_free_at_the_same_time(
    client, office, counsellor, thursday
):
    booking, _free = thursday
    colleague = make_counsellor(office)
    same_time = make_slot(office, colleague, jst(2026, 11, 26, 10))
    make_slot(office, colleague, jst(2026, 11, 26, 11))  # another time: not a candidate
    record(counsellor, jst(2026, 11, 26), jst(2026, 11, 27))
    old_slot = booking.slot
    client = signed_in(client, counsellor.user)
    response = move_action(client, [booking])
    assert response.status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert booking.slot == same_time and booking.status == Booking.Status.CONFIRMED
    assert booking.events.filter(action=BookingEvent.Action.MOVED).exists()
    moved = Message.objects.get(user=booking.user, kind=Message.Kind.BOOKING_MOVED)
    assert "Now: Thu, 26 November 2026, 10:00–10:30" in render_message(moved, "en").body
    # The old slot is free now, inside the absence: it closes, nobody can book it.
    old_slot.refresh_from_db()
    assert old_slot.cancelled_at == NOW
    assert not bookings_to_move().exists()
    assert not Message.objects.filter(kind=Message.Kind.BOOKING_TO_MOVE).exists()


def test_without_a_free_colleague_the_person_is_asked_to_choose_once(
    client, office, counsellor, thursday
):
    booking, _free = thursday
    colleague = make_counsellor(office)
    busy = make_slot(office, colleague, jst(2026, 11, 26, 10))
    bob = make_eligible(make_user_for(office, "bob@example.jp"), office)
    make_confirmed_booking(busy, bob)
    record(counsellor, jst(2026, 11, 26), jst(2026, 11, 27))
    client = signed_in(client, counsellor.user)
    move_action(client, [booking])
    move_action(client, [booking])  # again: the person is not asked twice
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED and booking.slot.counsellor == counsellor
    asked = Message.objects.get(user=booking.user, kind=Message.Kind.BOOKING_TO_MOVE)
    change = reverse("booking_detail", args=[booking.pk]) + "change/"
    assert asked.link == change
    english = render_message(asked, "en")
    assert change in english.body and "Thu, 26 November 2026" in english.body
    assert "cannot take place" in english.body
    japanese = render_message(asked, "ja")
    assert change in japanese.body and "不在" in japanese.body
    assert booking.events.filter(action=BookingEvent.Action.ASKED_TO_MOVE).count() == 1
    # Still listed until the person moves it or staff cancel it on their behalf.
    assert list(bookings_to_move()) == [booking]
    client.post(
        BOOKINGS,
        {
            "action": "cancel_on_behalf",
            "_selected_action": [booking.pk],
            "confirm": "yes",
            "reason": "相談員不在のため",
        },
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Message.objects.filter(user=booking.user, kind=Message.Kind.BOOKING_CANCELLED).exists()
    assert not bookings_to_move().exists()


def make_user_for(office, email):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(email=email, password="x-pass-12345")


def test_a_colleague_away_at_the_same_time_is_no_candidate(office, counsellor, thursday):
    booking, _free = thursday
    colleague = make_counsellor(office)
    make_slot(office, colleague, jst(2026, 11, 26, 10))
    record(colleague, jst(2026, 11, 26, 9), jst(2026, 11, 26, 12))
    record(counsellor, jst(2026, 11, 26), jst(2026, 11, 27))
    result = services.move_out_of_absences(bookings=[booking], actor=counsellor.user)
    assert (result.moved, result.asked) == ([], [booking])


def test_a_booking_outside_any_absence_is_not_touched(office, counsellor, thursday):
    booking, _free = thursday
    result = services.move_out_of_absences(bookings=[booking], actor=counsellor.user)
    assert result.refused and not result.moved and not result.asked
    assert not Message.objects.filter(kind=Message.Kind.BOOKING_TO_MOVE).exists()


def test_a_slot_freed_inside_an_absence_is_not_offered_and_the_daily_job_closes_it(
    office, counsellor, thursday
):
    booking, _free = thursday
    friday = make_slot(office, counsellor, jst(2026, 11, 27, 10))
    record(counsellor, jst(2026, 11, 26), jst(2026, 11, 27))
    services.cancel_booking(booking=booking, actor=None, reason="電話", on_behalf=True)
    assert Slot.objects.get(pk=booking.slot_id).cancelled_at is None
    week = selectors.free_slots(office, NOW, NOW + dt.timedelta(days=7), NOW)
    assert list(week) == [friday]
    services.generate_open_slots()
    assert Slot.objects.get(pk=booking.slot_id).cancelled_at == NOW


# Office closures ---------------------------------------------------------------------------


def closure_form(office, **fields):
    return {
        "office": office.pk,
        "start_date": THURSDAY.isoformat(),
        "end_date": THURSDAY.isoformat(),
        "reason": "台風のため臨時休業",
        **fields,
    }


def test_a_manager_closes_the_office_for_a_typhoon_for_every_counsellor(
    client, office, counsellor, thursday
):
    booking, free = thursday
    colleague = make_counsellor(office)
    colleague_free = make_slot(office, colleague, jst(2026, 11, 26, 10))
    friday = make_slot(office, colleague, jst(2026, 11, 27, 10))
    client = signed_in(client, make_staff(office, "manager"))
    response = client.post("/admin/bookings/officeclosure/add/", closure_form(office))
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:3000]
    assert OfficeClosure.objects.filter(office=office).exists()
    for slot in [*free, colleague_free]:
        assert Slot.objects.get(pk=slot.pk).cancelled_at == NOW
    assert Slot.objects.get(pk=friday.pk).cancelled_at is None
    assert list(bookings_to_move()) == [booking]
    # No colleague is free at 10:00 on a closed day: the person is asked to choose.
    move_action(client, [booking])
    assert Message.objects.filter(user=booking.user, kind=Message.Kind.BOOKING_TO_MOVE).exists()


def test_a_counsellor_may_not_close_the_office(client, office, counsellor, thursday):
    client = signed_in(client, counsellor.user)
    response = client.post("/admin/bookings/officeclosure/add/", closure_form(office))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not OfficeClosure.objects.exists()
    assert all(s.cancelled_at is None for s in Slot.objects.all())


def test_a_manager_may_not_close_another_office(client, office, counsellor, thursday):
    other = make_office_with_terms(slug="other")
    client = signed_in(client, make_staff(other, "manager"))
    response = client.post("/admin/bookings/officeclosure/add/", closure_form(office))
    assert response.status_code == HTTPStatus.OK  # the office is not a choice
    assert not OfficeClosure.objects.filter(office=office).exists()
    assert all(s.cancelled_at is None for s in Slot.objects.all())


def test_a_closure_of_every_year_across_the_new_year_holds_its_bookings(office, counsellor):
    OfficeClosure.objects.create(
        office=office,
        start_date=dt.date(2020, 12, 30),
        end_date=dt.date(2021, 1, 2),
        every_year=True,
    )
    person = make_eligible(make_user_for(office, "p@example.jp"), office)
    inside = [jst(2026, 12, 30, 10), jst(2027, 1, 2, 10)]
    outside = [jst(2026, 12, 28, 10), jst(2027, 1, 4, 10)]
    bookings = {
        start: make_confirmed_booking(make_slot(office, counsellor, start), person)
        for start in inside + outside
    }
    assert {b.slot.starts_at for b in bookings_to_move()} == set(inside)
    assert bookings  # every one was made


class _FormFields(HTMLParser):
    """What a browser sends for the change form: each input, checked box, text area and
    selected option, as rendered."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def test_a_closure_added_on_the_offices_page_closes_its_slots_too(
    client, office, counsellor, thursday
):
    booking, free = thursday
    client = signed_in(client, make_staff(office, "manager"))
    url = f"/admin/bookings/office/{office.pk}/change/"
    fields = _FormFields()
    fields.feed(client.get(url).content.decode())
    data = dict(fields.data)
    prefix = next(name[: -len("-TOTAL_FORMS")] for name in data if name.startswith("closures"))
    n = int(data[f"{prefix}-TOTAL_FORMS"][0])
    data[f"{prefix}-TOTAL_FORMS"] = [str(n + 1)]
    data[f"{prefix}-{n}-start_date"] = [THURSDAY.isoformat()]
    data[f"{prefix}-{n}-end_date"] = [THURSDAY.isoformat()]
    data[f"{prefix}-{n}-reason"] = ["台風"]
    data[f"{prefix}-{n}-office"] = [str(office.pk)]
    response = client.post(url, {**data, "_save": "Save"})
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    assert OfficeClosure.objects.filter(office=office, reason="台風").exists()
    assert all(Slot.objects.get(pk=slot.pk).cancelled_at == NOW for slot in free)
    assert list(bookings_to_move()) == [booking]
