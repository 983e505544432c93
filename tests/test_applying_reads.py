"""The reads under a booking's locks (`bookings.selectors.applying`), compiled once per
process (`portal.internals.PreparedQuery`), say what the office's rules say through the
ORM: the slot with its office and the person's standing, the seats and the person's
bookings that count, the terms still to agree to. Their statements hold no time, so the
rules of time (a booking over, a no-show out of the window or lifted since, a version not
yet in force) are applied to their rows: each case is here."""

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Profile
from bookings.models import (
    Booking,
    ContinuingSupport,
    IssuedAccount,
    NoShowLift,
    SessionKind,
    Slot,
    Suspension,
)
from bookings.selectors.applying import (
    agreements_due_for,
    at_slot,
    lock_slot_with_standing,
    standing_of,
)
from bookings.selectors.restrictions import counted_no_show
from bookings.services.applying import _lock_person_with_profile
from terms.models import Consent
from terms.selectors import consent_needs
from tests.factories import (
    jst,
    make_confirmed_booking,
    make_counsellor,
    make_document,
    make_eligible,
    make_office,
    make_office_with_terms,
    make_slot,
    publish_historical,
)

pytestmark = pytest.mark.django_db

NOW = jst(2026, 12, 1, 9, 0)


@pytest.fixture
def world(make_user):
    """An office with a slot of three seats; the person's bookings and no-shows there and
    elsewhere, past and open, counted and not."""
    with time_machine.travel(NOW - dt.timedelta(days=200), tick=False):
        office = make_office_with_terms(no_show_window_days=90, no_show_limit=3)
        other = make_office_with_terms()
        counsellor, elsewhere = make_counsellor(office), make_counsellor(other)
    person, someone = make_user("person@example.jp"), make_user("someone@example.jp")
    make_eligible(person, office)
    target = make_slot(office, counsellor, jst(2026, 12, 8, 10, 0), capacity=3)

    def booking(slot: Slot, user, status=Booking.Status.CONFIRMED, seat: int = 1) -> Booking:
        return make_confirmed_booking(slot, user, status=status, seat=seat)

    booking(target, someone, seat=2)
    booking(target, make_user("gone@example.jp"), status=Booking.Status.CANCELLED, seat=1)
    # The person's: over (not open), open at the office, open elsewhere at the same time.
    booking(make_slot(office, counsellor, jst(2026, 11, 20, 10, 0)), person)
    booking(make_slot(office, counsellor, jst(2026, 12, 3, 10, 0)), person)
    booking(make_slot(other, elsewhere, jst(2026, 12, 8, 10, 15)), person)
    # No-shows: in the window, in it but lifted since, out of it, at the other office.
    for day, where, by in (
        (jst(2026, 11, 2, 10, 0), office, counsellor),
        (jst(2026, 10, 20, 10, 0), office, counsellor),
        (jst(2026, 8, 1, 10, 0), office, counsellor),
        (jst(2026, 11, 5, 10, 0), other, elsewhere),
    ):
        booking(make_slot(where, by, day), person, status=Booking.Status.NO_SHOW)
    NoShowLift.objects.create(office=office, user=person, reason="電話あり", at=jst(2026, 10, 21))
    return office, other, target, person, someone


def orm_counts(person, office, slot: Slot, now: dt.datetime) -> dict:
    """What the rules say, as the ORM asks them."""
    mine_open = Booking.objects.filter(
        user=person, status__in=Booking.ACTIVE, slot__ends_at__gt=now
    )
    return {
        "seats_taken": frozenset(
            Booking.objects.filter(slot=slot, status__in=Booking.ACTIVE).values_list(
                "seat", flat=True
            )
        ),
        "already_booked": mine_open.filter(slot=slot).exists(),
        "overlapping": mine_open.exclude(slot=slot)
        .filter(slot__starts_at__lt=slot.ends_at, slot__ends_at__gt=slot.starts_at)
        .exists(),
        "no_shows": Booking.objects.filter(user=person)
        .filter(counted_no_show(office, now))
        .count(),
        "open_consultations": mine_open.filter(
            slot__office=office, slot__kind=SessionKind.CONSULTATION
        ).count(),
        "open_of_kind": mine_open.filter(slot__office=office, slot__kind=slot.kind).count(),
    }


def test_the_seats_and_the_persons_bookings_count_as_the_rules_say(world):
    office, _other, target, person, _someone = world
    found = at_slot(person, target, office, NOW)
    expected = orm_counts(person, office, target, NOW)
    assert {name: getattr(found, name) for name in expected} == expected
    assert expected == {
        "seats_taken": frozenset({2}),
        "already_booked": False,
        "overlapping": True,
        "no_shows": 1,
        "open_consultations": 1,
        "open_of_kind": 1,
    }
    assert found.free_seat(target.capacity) == 1


def test_time_moves_what_counts_with_the_same_statement(world):
    office, _other, target, person, _someone = world
    # Three weeks on: the open booking at the office is over, the in-window no-show of
    # 2 November has left the 90 days only later (1 February).
    later = NOW + dt.timedelta(days=21)
    found = at_slot(person, target, office, later)
    expected = orm_counts(person, office, target, later)
    assert {name: getattr(found, name) for name in expected} == expected
    assert (found.open_consultations, found.no_shows) == (0, 1)
    much_later = jst(2027, 2, 5, 9, 0)  # out of the window now
    found = at_slot(person, target, office, much_later)
    assert found.no_shows == orm_counts(person, office, target, much_later)["no_shows"] == 0


def test_the_person_booked_on_the_slot_is_seen(world):
    office, _other, target, person, someone = world
    assert at_slot(someone, target, office, NOW).already_booked
    assert not at_slot(person, target, office, NOW).already_booked


def locked(person, slot_id: int) -> Slot:
    with transaction.atomic():
        slot = lock_slot_with_standing(person, slot_id)
    assert slot is not None
    return slot


def test_the_locked_slot_comes_with_its_office_and_the_persons_standing(world):
    office, other, target, person, _someone = world
    with transaction.atomic():
        slot = lock_slot_with_standing(person, target.pk)
        assert slot is not None and slot == target and slot.office == office
        assert slot.office.name == office.name and slot.office.phone == office.phone
        assert slot.capacity == 3 and slot.starts_at == target.starts_at
        standing = standing_of(slot)
        assert (standing.suspended, standing.own_counsellor_id, standing.has_issued_account) == (
            False,
            None,
            False,
        )
        assert lock_slot_with_standing(person, target.pk + 10_000) is None
    counsellor = target.counsellor
    ContinuingSupport.objects.create(user=person, office=office, counsellor=counsellor)
    IssuedAccount.objects.create(user=person, office=office, consultation_id="A-1")
    Suspension.objects.create(user=person, office=other, reason="他の窓口")
    standing = standing_of(locked(person, target.pk))
    assert (standing.suspended, standing.own_counsellor_id, standing.has_issued_account) == (
        False,
        counsellor.pk,
        True,
    )
    Suspension.objects.create(user=person, office=None, reason="全窓口")  # every office
    assert standing_of(locked(person, target.pk)).suspended


def test_the_person_is_locked_with_their_profile_or_given_one(make_user):
    person = make_user("profile@example.jp")
    Profile.objects.filter(user=person).delete()
    with transaction.atomic():
        profile = _lock_person_with_profile(person)
        assert profile.pk is not None and profile.user_id == person.pk  # made for them
    profile.family_name, profile.phone = "山田", "090-1234-5678"
    profile.save()
    with transaction.atomic():
        again = _lock_person_with_profile(person)
    assert again.pk == profile.pk and again.family_name == "山田"
    with CaptureQueriesContext(connection) as captured:
        assert again.user == person  # read with it: no query
    assert not captured.captured_queries
    assert again.phone == profile.phone and again.phone.as_national == "090-1234-5678"


def test_the_terms_due_are_those_in_force_not_agreed_to(world, make_user):
    office, _other, target, person, _someone = world
    documents = list(office.terms_documents.all())
    assert agreements_due_for(person, office, target, NOW) == []  # agreed to all
    [document] = documents
    # A revision published now that comes into force in a week: due only from then on.
    publish_historical(
        document, "## 第1条\n\n改めました。\n", effective_at=NOW + dt.timedelta(days=7)
    )
    assert agreements_due_for(person, office, target, NOW) == []
    week_later = NOW + dt.timedelta(days=8)
    [due] = agreements_due_for(person, office, target, week_later)
    assert due.is_revision and due.version.number == 2 and due.agreed_number == 1
    assert due.version.document == document and due.version.get_deferred_fields() == {"text"}
    [need] = consent_needs(person, documents, week_later)
    assert need.agreed is not None
    assert (need.version, need.agreed.number) == (due.version, due.agreed_number)
    # A newcomer: the version in force, never agreed to. A retired document asks nothing.
    newcomer = make_user("newcomer@example.jp")
    [first] = agreements_due_for(newcomer, office, target, NOW)
    assert first.version.number == 1 and first.agreed_number is None and not first.is_revision
    retired = make_document(office)
    publish_historical(retired, "## 第1条\n\n古い規約。\n")
    assert len(agreements_due_for(newcomer, office, target, NOW)) == 2
    retired.retired_at = timezone.now()
    retired.save()
    assert len(agreements_due_for(newcomer, office, target, NOW)) == 1


def test_a_session_with_its_own_terms_asks_for_those_alone(world, make_user):
    office, _other, _target, _person, _someone = world
    own = make_document()  # of no office: the session's own
    publish_historical(own, "## 第1条\n\nオンラインサービスの規約。\n")
    session = make_slot(office, make_counsellor(office), jst(2026, 12, 9, 14, 0), capacity=20)
    session.kind, session.terms_document = SessionKind.SEMINAR, own
    session.save()
    newcomer = make_user("seminar@example.jp")
    [due] = agreements_due_for(newcomer, office, session, NOW)
    assert due.version.document == own
    Consent.objects.create(user=newcomer, version=due.version, method=Consent.Method.EXPLICIT)
    assert agreements_due_for(newcomer, office, session, NOW) == []
    plain = make_office()  # an office without terms: nothing to agree to
    slot = make_slot(plain, make_counsellor(plain), jst(2026, 12, 9, 10, 0))
    assert agreements_due_for(newcomer, plain, slot, NOW) == []
