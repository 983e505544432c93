"""A person cannot hold two active bookings that overlap in time, at one office or several:
the rule, and the race on PostgreSQL (the same person presses "book" on sixteen overlapping
slots at two offices at the same moment). Real threads with their own connections start
together at a barrier; a naive check-then-insert control, run the same way, shows that
the race is exercised."""

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.utils import translation

from bookings import services
from bookings.models import Booking
from tests.factories import (
    book,
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)
from tests.support.races import race as run_race

NOW = jst(2026, 11, 24, 15, 0)  # a Tuesday afternoon: Thursday's slots are open
THREADS = 16
ROUNDS = 10
CONTROL_ROUNDS = 20


def two_offices():
    return [
        make_office_with_terms(slug=slug, municipality_codes=["01213"], booking_limit=1000)
        for slug in ("overlap-a", "overlap-b")
    ]


def eligible_at(person, offices):
    for office in offices:
        make_eligible(person, office)
    return person


def overlapping(person, starts_at, ends_at):
    return Booking.objects.filter(
        user=person,
        status__in=Booking.ACTIVE,
        slot__starts_at__lt=ends_at,
        slot__ends_at__gt=starts_at,
    )


# --- the rule --------------------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def offices(frozen):
    return two_offices()


@pytest.fixture
def alice(make_user, offices):
    return eligible_at(make_user("alice@example.jp"), offices)


@pytest.mark.django_db
def test_an_overlapping_booking_at_another_office_is_refused_and_names_the_first(alice, offices):
    first_office, other_office = offices
    first = book(
        first_office,
        alice,
        make_slot(first_office, make_counsellor(first_office), jst(2026, 11, 26, 10, 0)),
    )
    later = make_slot(other_office, make_counsellor(other_office), jst(2026, 11, 26, 10, 15))
    with pytest.raises(services.BookingError) as refused:
        book(other_office, alice, later)
    assert refused.value.code == "overlap"
    assert first_office.name_en in refused.value.message
    assert "10:00" in refused.value.message and "10:30" in refused.value.message
    assert not Booking.objects.filter(slot=later).exists()
    assert list(overlapping(alice, later.starts_at, later.ends_at)) == [first]


@pytest.mark.django_db
def test_back_to_back_bookings_and_a_cancelled_one_do_not_overlap(alice, offices):
    first_office, other_office = offices
    counsellor = make_counsellor(first_office)
    ten = book(first_office, alice, make_slot(first_office, counsellor, jst(2026, 11, 26, 10, 0)))
    half_past = make_slot(other_office, make_counsellor(other_office), jst(2026, 11, 26, 10, 30))
    assert book(other_office, alice, half_past).is_active  # 10:00–10:30, then 10:30–11:00
    services.cancel_booking(booking=ten, actor=alice)
    again = make_slot(other_office, make_counsellor(other_office), jst(2026, 11, 26, 10, 0))
    assert book(other_office, alice, again).is_active


@pytest.mark.django_db
def test_a_request_waiting_for_its_answer_holds_its_time_too(alice, offices):
    first_office, other_office = offices
    first_office.requires_counsellor_confirmation = True
    first_office.save()
    request = book(
        first_office,
        alice,
        make_slot(first_office, make_counsellor(first_office), jst(2026, 11, 26, 10, 0)),
    )
    assert request.status == Booking.Status.REQUESTED
    with pytest.raises(services.BookingError) as refused:
        book(
            other_office,
            alice,
            make_slot(other_office, make_counsellor(other_office), jst(2026, 11, 26, 10, 0)),
        )
    assert refused.value.code == "overlap"


@pytest.mark.django_db
def test_a_follow_up_at_an_overlapping_time_is_refused_to_the_counsellor(alice, offices):
    first_office, other_office = offices
    book(
        first_office,
        alice,
        make_slot(first_office, make_counsellor(first_office), jst(2026, 11, 26, 10, 0)),
    )
    counsellor = make_counsellor(other_office)
    slot = make_slot(other_office, counsellor, jst(2026, 11, 26, 10, 10))
    with pytest.raises(services.BookingError) as refused:
        services.book_follow_up(counsellor_user=counsellor.user, user=alice, slot_id=slot.pk)
    assert refused.value.code == "overlap"
    assert refused.value.message.startswith("This person already has a booking at that time")
    assert not Booking.objects.filter(slot=slot).exists()


@pytest.mark.django_db
def test_a_move_into_an_overlapping_time_is_refused_but_a_move_beside_itself_is_not(alice, offices):
    first_office, other_office = offices
    book(
        first_office,
        alice,
        make_slot(first_office, make_counsellor(first_office), jst(2026, 11, 26, 10, 0)),
    )
    counsellor = make_counsellor(other_office)
    moving = book(
        other_office, alice, make_slot(other_office, counsellor, jst(2026, 11, 26, 14, 0))
    )
    clash = make_slot(other_office, counsellor, jst(2026, 11, 26, 10, 15))
    with pytest.raises(services.BookingError) as refused:
        services.move_booking(booking=moving, slot_id=clash.pk, actor=counsellor.user)
    assert refused.value.code == "overlap"
    moving.refresh_from_db()
    assert moving.slot.starts_at == jst(2026, 11, 26, 14, 0)
    # Fifteen minutes later overlaps only the booking being moved: allowed.
    beside = make_slot(other_office, make_counsellor(other_office), jst(2026, 11, 26, 14, 15))
    services.move_booking(booking=moving, slot_id=beside.pk, actor=counsellor.user)
    moving.refresh_from_db()
    assert moving.slot == beside


# --- the race --------------------------------------------------------------------------


def race(worker, count: int = THREADS) -> list:
    """Run worker(i) in `count` threads released together; return what each returned."""
    return run_race(worker, count)


def sixteen_overlapping_slots(offices, counsellors, base):
    """Slot i at office i % 2, starting i minutes after `base`: every two overlap (they
    last 30 minutes and start at most 15 apart), each with a counsellor of its own."""
    return [
        make_slot(offices[i % 2], counsellors[i], base + dt.timedelta(minutes=i))
        for i in range(THREADS)
    ]


@pytest.fixture
def race_world(make_user):
    offices = two_offices()
    counsellors = [make_counsellor(offices[i % 2]) for i in range(THREADS)]
    person = eligible_at(make_user("racer@example.jp"), offices)
    return offices, counsellors, person


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@time_machine.travel(NOW)
def test_one_person_on_sixteen_overlapping_slots_at_two_offices_gets_exactly_one(race_world):
    offices, counsellors, person = race_world
    for round_number in range(ROUNDS):
        base = jst(2026, 11, 26, 8) + dt.timedelta(hours=round_number)
        slots = sixteen_overlapping_slots(offices, counsellors, base)
        results = race(lambda i, slots=slots: book(slots[i].office, person, slots[i]))
        winners = [r for r in results if isinstance(r, Booking)]
        losers = [r for r in results if isinstance(r, services.BookingError)]
        assert len(winners) == 1, f"round {round_number}: {results}"
        assert {loser.code for loser in losers} == {"overlap"}, f"round {round_number}"
        assert len(losers) == THREADS - 1
        window = overlapping(person, base, base + dt.timedelta(minutes=45))
        assert window.count() == 1


def naive_book(person, slot):
    """The same rule without the person's lock: check, then insert, in one transaction."""
    with transaction.atomic():
        if overlapping(person, slot.starts_at, slot.ends_at).exists():
            return None
        return make_confirmed_booking(slot, person)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_naive_check_then_insert_control_does_double_book(race_world):
    """Without the lock, the same race gives one person overlapping bookings."""
    offices, counsellors, person = race_world
    doubled = 0
    for round_number in range(CONTROL_ROUNDS):
        base = jst(2026, 12, 3, 8) + dt.timedelta(hours=round_number)
        slots = sixteen_overlapping_slots(offices, counsellors, base)
        race(lambda i, slots=slots: naive_book(person, slots[i]))
        doubled += overlapping(person, base, base + dt.timedelta(minutes=45)).count() > 1
    print(f"naive control: overlapping bookings in {doubled}/{CONTROL_ROUNDS} rounds")
    assert doubled > 0, "the control never double-booked: the race is not being exercised"
