"""A person changes the date and time of their own booking (予約の変更): the page, the move
(one row, the new seat taken and the old freed), what carries over, the room and the
mailbox, the history, the cut-off and the move limit, a terms revision in between, and
bad input. Races on PostgreSQL are in test_reschedule_race.py."""

import datetime as dt
from http import HTTPStatus
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine

from accounts.messages import render_message
from accounts.models import Message
from bookings import selectors, services
from bookings.models import Booking, BookingEvent, ContinuingSupport, Room
from bookings.services import rooms
from portal import crypto
from terms.models import Consent
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
    publish_historical,
)

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 24, 15, 0)  # a Tuesday afternoon
THURSDAY_10 = jst(2026, 11, 26, 10, 0)
FRIDAY_14 = jst(2026, 11, 27, 14, 0)


@pytest.fixture(autouse=True)
def frozen(freeze):
    freeze(NOW, language="en")


@pytest.fixture
def office():
    return make_office_with_terms(slug="k", municipality_codes=["01213"], meeting_provider="jitsi")


@pytest.fixture
def worker(monkeypatch):
    """The room job runs here, when the move's transaction commits (and deleting a room at
    the provider is recorded, not sent)."""
    ran: list[int] = []

    def issue(args=(), **options):
        ran.append(args[0])
        return rooms.issue_room(booking_id=args[0])

    monkeypatch.setattr(rooms.issue_room_task, "apply_async", issue)
    monkeypatch.setattr(rooms.delete_room_at_provider_task, "apply_async", lambda *a, **k: None)
    return ran


@pytest.fixture
def booking(office, counsellor, alice, worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(
            office,
            alice,
            make_slot(office, counsellor, THURSDAY_10),
            interpreter_attending=True,
            interpreter_note="手話通訳者が同席します",
        )
    worker.clear()
    return booking


@pytest.fixture
def friday(office, counsellor):
    return make_slot(office, counsellor, FRIDAY_14)


def change(client, booking, slot=None, **data):
    if slot is not None:
        data["slot"] = slot.pk
    return client.post(f"/me/bookings/{booking.pk}/change/", data)


def test_the_booking_page_offers_the_change_and_the_change_page_lists_free_times(
    english_client, booking, friday, office, counsellor, bob
):
    taken = make_slot(office, counsellor, jst(2026, 11, 27, 10, 0))
    book(office, bob, taken)
    english_client.force_login(booking.user)
    page = english_client.get(f"/me/bookings/{booking.pk}/").content.decode()
    assert f'href="/me/bookings/{booking.pk}/change/"' in page
    response = english_client.get(f"/me/bookings/{booking.pk}/change/")
    assert response.status_code == HTTPStatus.OK
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert f'name="slot" id="slot-{friday.pk}" value="{friday.pk}"' in html
    assert f'value="{taken.pk}"' not in html  # taken by bob
    assert f'value="{booking.slot_id}"' not in html  # the booked time itself
    assert "<legend>" in html and "14:00–14:30" in html


def test_moving_takes_the_new_seat_frees_the_old_and_keeps_everything_else(
    client, booking, friday, worker, django_capture_on_commit_callbacks
):
    old_slot = booking.slot
    old_room = Room.objects.valid().get(booking=booking)
    consents = list(Consent.objects.filter(user=booking.user).values_list("pk", flat=True))
    client.force_login(booking.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = change(client, booking, friday)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == f"/me/bookings/{booking.pk}/"
    moved = Booking.objects.get()  # the same row: never both seats, never neither
    assert moved.pk == booking.pk and moved.slot == friday and moved.seat == 1
    assert moved.status == Booking.Status.CONFIRMED
    assert moved.interpreter_note == "手話通訳者が同席します"
    assert moved.job_seeker_number == booking.job_seeker_number
    assert moved.created_at == booking.created_at
    assert moved.times_moved == 1
    assert not Booking.objects.filter(slot=old_slot, status__in=Booking.ACTIVE).exists()
    assert list(Consent.objects.filter(user=booking.user).values_list("pk", flat=True)) == consents
    # The old room stops working; the room job made exactly one new one.
    old_room.refresh_from_db()
    assert old_room.invalidated_at is not None
    assert worker == [booking.pk]
    new_room = Room.objects.valid().get(booking=booking)
    assert new_room.pk != old_room.pk
    assert Room.objects.filter(booking=booking).count() == 2
    codes = Message.objects.filter(user=booking.user, kind=Message.Kind.ACCESS_CODE)
    assert codes.latest("pk").attachment == f"room:{new_room.pk}"
    # The history says who moved it from when.
    event = moved.events.get(action=BookingEvent.Action.MOVED)
    assert event.actor == booking.user
    assert "11月26日" in event.note and "11月27日" in event.note


def test_the_mailbox_says_what_changed_in_both_languages(client, booking, friday):
    client.force_login(booking.user)
    change(client, booking, friday)
    message = Message.objects.get(user=booking.user, kind=Message.Kind.BOOKING_MOVED)
    assert message.params["by_person"] is True
    english = render_message(message, "en")
    assert english.body.startswith("As you asked")
    assert "Before:" in english.body and "10:00" in english.body
    assert "Now:" in english.body and "14:00" in english.body
    assert "new access code will follow" in english.body
    japanese = render_message(message, "ja")
    assert "ご希望のとおり変更しました" in japanese.body
    assert "変更前" in japanese.body and "変更後" in japanese.body


def test_a_request_moves_as_a_request_and_gets_no_room(
    client, office, counsellor, alice, friday, worker, django_capture_on_commit_callbacks
):
    office.requires_counsellor_confirmation = True
    office.save()
    request = book(office, alice, make_slot(office, counsellor, THURSDAY_10))
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        change(client, request, friday)
    request.refresh_from_db()
    assert request.slot == friday and request.status == Booking.Status.REQUESTED
    assert worker == [] and not Room.objects.exists()
    message = Message.objects.get(user=alice, kind=Message.Kind.BOOKING_MOVED)
    assert "Once the booking is confirmed" in render_message(message, "en").body


def test_the_change_is_allowed_up_to_the_cut_off_of_the_booked_time(
    client, booking, friday, freeze
):
    client.force_login(booking.user)
    with time_machine.travel(jst(2026, 11, 25, 23, 59), tick=False):
        assert selectors.move_refusal(booking) is None
    with time_machine.travel(jst(2026, 11, 26, 0, 0), tick=False):
        refusal = selectors.move_refusal(booking)
        assert refusal is not None and refusal.code == "closed"
        page = client.get(f"/me/bookings/{booking.pk}/").content.decode()
        assert f"/me/bookings/{booking.pk}/change/" not in page
        response = change(client, booking, friday)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == f"/me/bookings/{booking.pk}/"
    booking.refresh_from_db()
    assert booking.slot.starts_at == THURSDAY_10 and booking.times_moved == 0


def test_the_new_time_must_be_before_its_own_cut_off(english_client, booking, office, counsellor):
    client = english_client
    wednesday = make_slot(office, counsellor, jst(2026, 11, 25, 14, 0))
    with time_machine.travel(jst(2026, 11, 25, 9, 0), tick=False):
        client.force_login(booking.user)
        html = client.get(f"/me/bookings/{booking.pk}/change/").content.decode()
        assert f'value="{wednesday.pk}"' not in html
        response = change(client, booking, wednesday)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Booking for this slot has closed" in response.content.decode()
    booking.refresh_from_db()
    assert booking.slot.starts_at == THURSDAY_10


def test_the_office_limits_how_often_one_booking_is_moved(
    client, booking, office, counsellor, friday
):
    assert office.move_limit == 2
    later = [make_slot(office, counsellor, FRIDAY_14 + dt.timedelta(hours=h)) for h in (1, 2)]
    client.force_login(booking.user)
    assert change(client, booking, friday).status_code == HTTPStatus.FOUND
    # A move staff make (the person phoned) does not count against the person's own.
    services.move_booking(booking=booking, slot_id=later[0].pk, actor=counsellor.user)
    assert change(client, booking, later[1]).status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert booking.times_moved == 2 and booking.slot == later[1]
    refusal = selectors.move_refusal(booking)
    assert refusal is not None and refusal.code == "move_limit"
    assert "/change/" not in client.get(f"/me/bookings/{booking.pk}/").content.decode()
    response = change(client, booking, friday)
    assert response.status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert booking.slot == later[1]
    with pytest.raises(services.BookingError) as refused:
        services.reschedule_booking(booking=booking, user=booking.user, slot_id=friday.pk)
    assert refused.value.code == "move_limit"


def test_an_office_that_allows_no_change_offers_none(client, booking, office, friday):
    office.move_limit = 0
    office.save()
    client.force_login(booking.user)
    assert "/change/" not in client.get(f"/me/bookings/{booking.pk}/").content.decode()
    change(client, booking, friday)
    booking.refresh_from_db()
    assert booking.slot.starts_at == THURSDAY_10


def test_a_booking_caught_by_an_absence_may_be_moved_whatever_the_limit(
    client, booking, office, counsellor, friday
):
    from bookings.models import Absence

    office.move_limit = 0
    office.save()
    booking = Booking.objects.select_related("slot__office").get(pk=booking.pk)
    refusal = selectors.move_refusal(booking)
    assert refusal is not None and refusal.code == "move_limit"
    Absence.objects.create(
        counsellor=booking.slot.counsellor,
        starts_at=THURSDAY_10 - dt.timedelta(hours=1),
        ends_at=THURSDAY_10 + dt.timedelta(hours=3),
    )
    assert selectors.move_refusal(booking) is None
    client.force_login(booking.user)
    assert change(client, booking, friday).status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert booking.slot == friday


def test_revised_terms_are_agreed_first_and_the_person_comes_back_to_the_same_choice(
    client, booking, office, friday
):
    document = office.terms_documents.get()
    revised = publish_historical(
        document, "## 第1条\n\n改定後の規約です。\n", effective_at=NOW - dt.timedelta(hours=1)
    )
    with pytest.raises(services.BookingError) as refused:
        services.reschedule_booking(booking=booking, user=booking.user, slot_id=friday.pk)
    assert refused.value.code == "terms_revised"
    client.force_login(booking.user)
    response = change(client, booking, friday, week="2026-11-23")
    assert response.status_code == HTTPStatus.FOUND
    terms = urlparse(response["Location"])
    assert terms.path == f"/offices/{office.slug}/terms/"
    back = parse_qs(terms.query)["next"][0]
    assert urlparse(back).path == f"/me/bookings/{booking.pk}/change/"
    assert parse_qs(urlparse(back).query) == {"week": ["2026-11-23"], "slot": [str(friday.pk)]}
    booking.refresh_from_db()
    assert booking.slot.starts_at == THURSDAY_10
    agreed = client.post(
        f"/offices/{office.slug}/terms/consent/",
        {"version": revised.pk, "agree": "on", "next": back},
    )
    assert agreed["Location"] == back
    html = client.get(back).content.decode()
    assert f'id="slot-{friday.pk}" value="{friday.pk}" checked' in html
    assert change(client, booking, friday).status_code == HTTPStatus.FOUND
    booking.refresh_from_db()
    assert booking.slot == friday
    assert Consent.objects.filter(user=booking.user, version=revised).exists()


def test_a_person_in_continuing_support_moves_only_to_their_counsellors_times(
    client, booking, office, counsellor, friday
):
    other = make_counsellor(office)
    theirs = make_slot(office, other, jst(2026, 11, 27, 15, 0))
    ContinuingSupport.objects.create(user=booking.user, office=office, counsellor=counsellor)
    client.force_login(booking.user)
    html = client.get(f"/me/bookings/{booking.pk}/change/").content.decode()
    assert f'value="{friday.pk}"' in html and f'value="{theirs.pk}"' not in html
    response = change(client, booking, theirs)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    booking.refresh_from_db()
    assert booking.slot.starts_at == THURSDAY_10


def test_an_overlapping_or_taken_or_foreign_time_is_refused_and_changes_nothing(
    english_client, booking, office, counsellor, bob, make_user
):
    client = english_client
    free = make_slot(office, counsellor, FRIDAY_14)  # a free time: the form is shown
    taken = make_slot(office, counsellor, jst(2026, 11, 27, 10, 0))
    book(office, bob, taken)
    elsewhere = make_office_with_terms(municipality_codes=["01213"])
    there = make_counsellor(elsewhere)
    foreign = make_slot(elsewhere, there, jst(2026, 11, 27, 11, 0))
    book(elsewhere, make_eligible(booking.user, elsewhere), make_slot(elsewhere, there, FRIDAY_14))
    client.force_login(booking.user)
    for slot, said in (
        (free, "You already have a booking at that time"),
        (taken, "just been taken"),
        (foreign, "does not belong to this office"),
        (booking.slot, "other than the one you have booked"),
    ):
        response = change(client, booking, slot)
        assert response.status_code == HTTPStatus.BAD_REQUEST
        html = response.content.decode()
        assert 'role="alert"' in html and said in html
        assert 'href="#new-time"' in html and 'id="new-time"' in html
    for bad in ("", "abc", "999999", "-1", "1" * 40):
        response = client.post(f"/me/bookings/{booking.pk}/change/", {"slot": bad})
        assert response.status_code == HTTPStatus.BAD_REQUEST, bad
    booking.refresh_from_db()
    assert booking.slot.starts_at == THURSDAY_10 and booking.times_moved == 0
    assert not booking.events.filter(action=BookingEvent.Action.MOVED).exists()


def test_another_persons_booking_is_not_found(client, booking, friday, bob):
    client.force_login(bob)
    assert client.get(f"/me/bookings/{booking.pk}/change/").status_code == HTTPStatus.NOT_FOUND
    assert change(client, booking, friday).status_code == HTTPStatus.NOT_FOUND
    booking.refresh_from_db()
    assert booking.slot.starts_at == THURSDAY_10


def test_a_cancelled_booking_cannot_be_moved(client, booking, friday):
    services.cancel_booking(booking=booking, actor=booking.user)
    client.force_login(booking.user)
    assert change(client, booking, friday)["Location"] == f"/me/bookings/{booking.pk}/"
    booking.refresh_from_db()
    assert booking.slot.starts_at == THURSDAY_10


def test_a_move_changes_the_office_page_and_my_page_at_once(
    client, booking, office, friday, django_capture_on_commit_callbacks
):
    """The office page's week and My Page are cached under versions: both show the move
    on the next request."""
    client.force_login(booking.user)
    week = "?week=2026-11-23"
    before = client.get(f"/offices/{office.slug}/{week}").content.decode()
    assert f"/book/{friday.pk}/" in before
    assert f"/book/{booking.slot_id}/" not in before
    client.get("/me/")
    with django_capture_on_commit_callbacks(execute=True):  # the versions are bumped on commit
        change(client, booking, friday)
    after = client.get(f"/offices/{office.slug}/{week}").content.decode()
    assert f"/book/{friday.pk}/" not in after
    assert f"/book/{booking.slot_id}/" in after
    my_page = client.get("/me/").content.decode()
    assert "14:00" in my_page


def test_the_staff_move_still_works_tells_the_person_and_does_not_count(
    booking, office, counsellor, friday
):
    services.move_booking(booking=booking, slot_id=friday.pk, actor=counsellor.user, reason="電話")
    booking.refresh_from_db()
    assert booking.slot == friday and booking.times_moved == 0
    event = booking.events.get(action=BookingEvent.Action.MOVED)
    assert event.actor == counsellor.user and event.note.endswith("→ 電話")
    message = Message.objects.get(user=booking.user, kind=Message.Kind.BOOKING_MOVED)
    assert "by_person" not in message.params
    assert render_message(message, "en").body.startswith("The date and time")


def test_a_staff_move_into_the_past_is_still_refused(booking, office, counsellor):
    past = make_slot(office, counsellor, NOW - dt.timedelta(hours=2))
    with pytest.raises(services.BookingError) as refused:
        services.move_booking(booking=booking, slot_id=past.pk, actor=counsellor.user)
    assert refused.value.code == "closed"


def test_moving_off_a_fixed_room_asks_its_counsellor_not_the_new_one_to_change_it(
    client, make_user, django_capture_on_commit_callbacks
):
    """A counsellor's fixed room cannot be revoked for one person: the room the person
    knew is the old counsellor's, so that counsellor is asked to change its passcode."""
    office = make_office_with_terms(
        slug="fixed", municipality_codes=["01213"], meeting_provider="fixed"
    )
    old, new = make_counsellor(office), make_counsellor(office)
    for n, counsellor in enumerate((old, new)):
        counsellor.fixed_meeting_id = f"70000111{n}"
        counsellor.fixed_join_url = f"https://teleoffice.example.jp/room/{n}"
        counsellor.fixed_passcode_encrypted = crypto.encrypt(f"48000{n}")
        counsellor.save()
    person = make_eligible(make_user("fixed@example.jp"), office)
    booking = book(office, person, make_slot(office, old, THURSDAY_10))
    services.issue_room(booking_id=booking.pk)
    later = make_slot(office, new, FRIDAY_14)
    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=False):
        assert change(client, booking, later).status_code == HTTPStatus.FOUND
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.fixed_room_exposed_at == NOW
    assert new.fixed_room_exposed_at is None
