"""Slot generation and the database's guards on slots and seats."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import services
from bookings.models import Booking, OfficeClosure, SessionKind, Slot, SlotTemplate
from tests.factories import jst, make_counsellor, make_office, make_slot

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return make_office(slug="k", start_times=["10:00", "11:00", "14:00", "15:00"])


@pytest.fixture
def counsellor(office):
    return make_counsellor(office)


def fixed_templates(office, counsellor, times=("10:00", "11:00", "14:00", "15:00")):
    SlotTemplate.objects.bulk_create(
        SlotTemplate(
            office=office,
            counsellor=counsellor,
            weekday=weekday,
            start_time=dt.time.fromisoformat(t),
        )
        for weekday in range(5)
        for t in times
    )


def local_starts(office):
    return [
        timezone.localtime(s.starts_at).strftime("%Y-%m-%d %H:%M")
        for s in Slot.objects.filter(office=office).order_by("starts_at")
    ]


def test_fixed_start_times_on_weekdays_skipping_public_holidays(office, counsellor):
    fixed_templates(office, counsellor)
    # The week of 2026-11-23: Monday is 勤労感謝の日, a public holiday.
    created = services.generate_slots(office=office, start=dt.date(2026, 11, 22), weeks=1)
    starts = local_starts(office)
    assert created == 16 == len(starts)  # Tue–Fri × 4 times
    assert not any(s.startswith("2026-11-23") for s in starts)  # the holiday
    assert not any(s.startswith(("2026-11-22", "2026-11-28")) for s in starts)  # weekend
    assert starts[:4] == [
        "2026-11-24 10:00",
        "2026-11-24 11:00",
        "2026-11-24 14:00",
        "2026-11-24 15:00",
    ]
    slot = Slot.objects.order_by("starts_at").first()
    assert slot is not None
    assert slot.ends_at - slot.starts_at == dt.timedelta(minutes=30)


def window_office(office, start=dt.time(10, 0), end=dt.time(16, 0)):
    office.slot_mode, office.window_start, office.window_end = "window", start, end
    office.save()


def test_a_window_is_cut_into_30_minute_slots(office, counsellor):
    window_office(office)
    SlotTemplate.objects.create(
        office=office,
        counsellor=counsellor,
        weekday=1,
        start_time=dt.time(10, 0),
        end_time=dt.time(16, 0),
    )
    services.generate_slots(office=office, start=dt.date(2026, 11, 24), weeks=1)
    starts = local_starts(office)
    assert len(starts) == 12
    assert starts[0] == "2026-11-24 10:00" and starts[-1] == "2026-11-24 15:30"


def test_office_closures_every_year_are_skipped(office, counsellor):
    fixed_templates(office, counsellor, times=("10:00",))
    OfficeClosure.objects.create(
        office=office,
        start_date=dt.date(2000, 12, 29),
        end_date=dt.date(2001, 1, 3),
        every_year=True,
    )
    services.generate_slots(office=office, start=dt.date(2026, 12, 21), weeks=3)
    days = {s[:10] for s in local_starts(office)}
    assert "2026-12-28" in days  # Monday before the closure
    for closed in ("2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01"):
        assert closed not in days
    assert "2027-01-04" in days  # first working day after


def test_generation_twice_creates_each_slot_once(office, counsellor):
    fixed_templates(office, counsellor)
    first = services.generate_slots(office=office, start=dt.date(2026, 11, 24), weeks=2)
    second = services.generate_slots(office=office, start=dt.date(2026, 11, 24), weeks=2)
    assert first > 0 and second == 0
    assert Slot.objects.count() == first


def test_the_daily_job_keeps_the_open_weeks_filled(office, counsellor):
    fixed_templates(office, counsellor, times=("10:00",))
    office.weeks_open = 2
    office.save()
    with time_machine.travel(jst(2026, 11, 24, 3, 15), tick=False):
        services.generate_open_slots()
        services.generate_open_slots()
    starts = local_starts(office)
    assert len(starts) == len(set(starts))
    assert starts[0].startswith("2026-11-24") and starts[-1] < "2026-12-08"


def test_a_seminar_template_gives_slots_with_a_capacity(office, counsellor):
    window_office(office)
    SlotTemplate.objects.create(
        office=office,
        counsellor=counsellor,
        weekday=2,
        start_time=dt.time(14, 30),
        kind=SessionKind.SESSION,
        capacity=5,
        title="セミナー",
    )
    services.generate_slots(office=office, start=dt.date(2026, 11, 23), weeks=1)
    slot = Slot.objects.get()
    assert slot.capacity == 5 and slot.kind == SessionKind.SESSION


def test_start_must_be_before_end(office, counsellor):
    start = jst(2026, 11, 26, 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Slot.objects.create(office=office, counsellor=counsellor, starts_at=start, ends_at=start)


@pytest.mark.postgres
def test_postgresql_refuses_overlapping_slots_of_one_counsellor(office, counsellor):
    make_slot(office, counsellor, jst(2026, 11, 26, 10, 0))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_slot(office, counsellor, jst(2026, 11, 26, 10, 15))
    other = make_counsellor(office)
    make_slot(office, other, jst(2026, 11, 26, 10, 15))  # another counsellor may
    make_slot(office, counsellor, jst(2026, 11, 26, 10, 30))  # back-to-back is fine


def booking_row(slot, user, seat):
    return Booking(
        slot=slot,
        user=user,
        seat=seat,
        status=Booking.Status.CONFIRMED,
        full_name="x",
        full_name_kana="エックス",
        phone="090-1234-5678",
    )


def test_one_active_booking_per_seat(office, counsellor, make_user):
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10))
    booking_row(slot, make_user("a@example.jp"), 1).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        booking_row(slot, make_user("b@example.jp"), 1).save()


def test_a_cancelled_booking_frees_its_seat(office, counsellor, make_user):
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10))
    first = booking_row(slot, make_user("a@example.jp"), 1)
    first.save()
    first.status = Booking.Status.CANCELLED
    first.save()
    booking_row(slot, make_user("b@example.jp"), 1).save()


@pytest.mark.postgres
def test_postgresql_refuses_a_seat_beyond_the_capacity(office, counsellor, make_user):
    slot = make_slot(office, counsellor, jst(2026, 11, 26, 10), capacity=3)
    booking_row(slot, make_user("a@example.jp"), 3).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        booking_row(slot, make_user("b@example.jp"), 4).save()


@pytest.mark.parametrize(
    ("mode", "weekday", "start", "end", "refused"),
    [
        ("fixed_times", 0, dt.time(16, 0), None, "Choose one of the office's start times"),
        ("fixed_times", 0, dt.time(10, 0), dt.time(12, 0), "leave the end of the window"),
        ("fixed_times", 5, dt.time(10, 0), None, "no consultations on this weekday"),
        ("window", 0, dt.time(9, 30), None, "between 10:00 and 16:00"),
        ("window", 0, dt.time(14, 0), dt.time(16, 30), "between 10:00 and 16:00"),
        ("fixed_times", 0, dt.time(11, 0), None, ""),
        ("window", 0, dt.time(15, 30), None, ""),
    ],
)
def test_a_template_outside_the_office_rules_is_refused_in_admin(
    admin_client, office, counsellor, mode, weekday, start, end, refused
):
    if mode == "window":
        window_office(office)
    admin_client.cookies["django_language"] = "en"
    response = admin_client.post(
        "/admin/bookings/slottemplate/add/",
        {
            "office": office.pk,
            "counsellor": counsellor.pk,
            "weekday": weekday,
            "start_time": start.strftime("%H:%M"),
            "end_time": end.strftime("%H:%M") if end else "",
            "kind": "consultation",
            "capacity": 1,
            "is_active": "on",
        },
    )
    if refused:
        assert response.status_code == 200
        assert refused in response.content.decode().replace("&#x27;", "'")
        assert not SlotTemplate.objects.exists()
    else:
        assert response.status_code == 302
        assert SlotTemplate.objects.count() == 1


def test_generation_publishes_nothing_outside_the_rules(office, counsellor):
    SlotTemplate.objects.create(
        office=office, counsellor=counsellor, weekday=1, start_time=dt.time(16, 0)
    )
    assert services.generate_slots(office=office, start=dt.date(2026, 11, 23), weeks=1) == 0
