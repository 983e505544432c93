"""The consultation ID (面接・相談ID, T10(2)): at an office that issues accounts, joining a
consultation asks for it first; it is checked against the person's issued account, every
try is logged, wrong tries are limited, and a right one is remembered for the booking."""

import datetime as dt
from http import HTTPStatus

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from bookings import services
from bookings.models import BookingEvent, IssuedAccount, Office, Room
from bookings.services import consultation_ids
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)

pytestmark = pytest.mark.django_db
NOW = jst(2026, 11, 26, 9, 50)  # ten minutes before the consultation
START = jst(2026, 11, 26, 10, 0)
CHECKED = BookingEvent.Action.CONSULTATION_ID_CHECKED
REFUSED = BookingEvent.Action.CONSULTATION_ID_REFUSED


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def office():
    return make_office_with_terms(
        slug="tachikawa-test",
        kind=Office.Kind.CHILD_FAMILY,
        municipality_codes=["13202"],
        phone="042-527-3234",
        requires_issued_account=True,
        meeting_provider="jitsi",
        booking_limit=2,
    )


@pytest.fixture
def letter(office):
    return services.issue_account(office=office, actor=None, email="parent@example.jp")


@pytest.fixture
def parent(letter, office):
    account = IssuedAccount.objects.select_related("user").get(user__login_id=letter.login_id)
    person = account.user
    person.must_change_password = False  # changed at first sign-in, long ago
    person.save(update_fields=["must_change_password"])
    return make_eligible(person, office)


def booked_with_room(office, person, start=START):
    slot = make_slot(office, make_counsellor(office), start)
    with time_machine.travel(start - dt.timedelta(days=3), tick=False):
        booking = book(office, person, slot)
    services.issue_room(booking_id=booking.pk)
    return booking


@pytest.fixture
def booking(office, parent):
    return booked_with_room(office, parent)


def join_url(booking):
    return reverse("booking_join", kwargs={"pk": booking.pk})


def detail_url(booking):
    return reverse("booking_detail", kwargs={"pk": booking.pk})


def id_url(booking):
    return reverse("booking_consultation_id", kwargs={"pk": booking.pk})


def events(booking, action):
    return BookingEvent.objects.filter(booking=booking, action=action).count()


def test_joining_asks_for_the_consultation_id_first(client, booking):
    client.force_login(booking.user)
    response = client.get(join_url(booking))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == id_url(booking)
    booking.refresh_from_db()
    assert booking.joined_at is None  # nothing recorded before the check

    page = client.get(id_url(booking))
    html = page.content.decode()
    assert page.status_code == HTTPStatus.OK
    assert "no-store" in page["Cache-Control"]
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<label for="id_consultation_id">Consultation ID (面接・相談ID)' in html
    assert "printed on the letter" in html and "042-527-3234" in html


def test_a_wrong_id_is_refused_logged_and_opens_nothing(client, booking, letter):
    client.force_login(booking.user)
    response = client.post(id_url(booking), {"consultation_id": "WRONG123"})
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "does not match" in html and "4 more tries" in html
    assert 'aria-invalid="true"' in html
    assert letter.consultation_id not in html  # the page never shows the right one
    assert events(booking, REFUSED) == 1 and events(booking, CHECKED) == 0
    event = BookingEvent.objects.get(booking=booking, action=REFUSED)
    assert event.actor == booking.user and "WRONG123" not in event.note
    # Still asked for it.
    assert client.get(join_url(booking))["Location"] == id_url(booking)


def test_the_right_id_opens_the_meeting_and_is_remembered_for_the_booking(client, booking, letter):
    client.force_login(booking.user)
    response = client.post(id_url(booking), {"consultation_id": letter.consultation_id})
    # Back to the booking's page, not on to the meeting: browsers refuse a form sent on to
    # another site (the CSP's form-action covers the redirects after a form).
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == detail_url(booking)
    assert events(booking, CHECKED) == 1
    page = client.get(detail_url(booking)).content.decode()
    assert "Your consultation ID is confirmed" in page
    assert f'href="{join_url(booking)}"' in page
    response = client.get(join_url(booking))
    assert response["Location"] == Room.objects.get(booking=booking).join_url
    booking.refresh_from_db()
    assert booking.joined_at == NOW
    # The next join goes straight through, and the form page sends on to the meeting.
    assert client.get(join_url(booking))["Location"].startswith("https://")
    assert client.get(id_url(booking))["Location"] == join_url(booking)
    assert events(booking, CHECKED) == 1


def test_the_id_is_accepted_as_people_type_it(client, booking, letter):
    full_width = {ord(c): ord(c) + 0xFEE0 for c in "0123456789abcdefghijklmnopqrstuvwxyz"}
    typed = letter.consultation_id.lower().translate(full_width)
    typed = f" {typed[:4]}－{typed[4:]} "  # a full-width hyphen, spaces around
    client.force_login(booking.user)
    response = client.post(id_url(booking), {"consultation_id": typed})
    assert response["Location"] == detail_url(booking)
    assert events(booking, CHECKED) == 1


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abcd-2345", "ABCD2345"),
        ("ＡＢＣＤ　２３４５", "ABCD2345"),
        ("ab cd‐23−45", "ABCD2345"),
        ("ＡＢＣＤー２３４５", "ABCD2345"),
        ("", ""),
    ],
)
def test_the_id_is_normalised_before_it_is_compared(typed, expected):
    assert consultation_ids.normalize_consultation_id(typed) == expected


def test_five_wrong_tries_lock_the_check_for_fifteen_minutes(client, booking, letter):
    client.force_login(booking.user)
    for _ in range(4):
        client.post(id_url(booking), {"consultation_id": "WRONG123"})
    fifth = client.post(id_url(booking), {"consultation_id": "WRONG123"})
    assert fifth.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "too many times" in fifth.content.decode()
    # Even the right ID is refused now, with the office's phone; nothing more is compared.
    locked = client.post(id_url(booking), {"consultation_id": letter.consultation_id})
    html = locked.content.decode()
    assert locked.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "too many times" in html and "042-527-3234" in html
    assert 'name="consultation_id"' not in html  # no form while locked
    assert events(booking, REFUSED) == 5 and events(booking, CHECKED) == 0
    assert "too many times" in client.get(id_url(booking)).content.decode()
    assert client.get(join_url(booking))["Location"] == id_url(booking)

    with time_machine.travel(NOW + dt.timedelta(minutes=15, seconds=1), tick=False):
        response = client.post(id_url(booking), {"consultation_id": letter.consultation_id})
    assert response["Location"] == detail_url(booking)


def test_wrong_tries_count_across_the_persons_bookings_at_the_office(
    client, office, parent, booking
):
    other = booked_with_room(office, parent, jst(2026, 11, 26, 11, 0))
    client.force_login(parent)
    for _ in range(5):
        client.post(id_url(booking), {"consultation_id": "WRONG123"})
    response = client.post(id_url(other), {"consultation_id": "WRONG123"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_the_check_is_made_in_constant_time(booking, letter, monkeypatch):
    compared = []
    real = consultation_ids.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(consultation_ids.hmac, "compare_digest", spy)
    consultation_ids.check_consultation_id(
        booking=booking, user=booking.user, entered=letter.consultation_id
    )
    assert compared == [(letter.consultation_id.encode(),) * 2]


def test_a_revoked_account_is_not_checked_and_a_remembered_check_ends(client, booking, letter):
    client.force_login(booking.user)
    client.post(id_url(booking), {"consultation_id": letter.consultation_id})
    IssuedAccount.objects.filter(user=booking.user).update(revoked_at=timezone.now())
    assert client.get(join_url(booking))["Location"] == id_url(booking)
    response = client.post(id_url(booking), {"consultation_id": letter.consultation_id})
    assert "not in force" in response.content.decode()
    booking.refresh_from_db()
    assert booking.joined_at is None


def test_an_office_that_issues_no_accounts_opens_the_meeting_at_once(client, make_user):
    office = make_office_with_terms(municipality_codes=["01213"], meeting_provider="jitsi")
    person = make_eligible(make_user("bob@example.jp"), office)
    booking = booked_with_room(office, person)
    client.force_login(person)
    assert client.get(join_url(booking))["Location"].startswith("https://")
    assert client.get(id_url(booking))["Location"] == join_url(booking)


def test_without_an_access_code_there_is_nothing_to_check(client, office, parent):
    slot = make_slot(office, make_counsellor(office), START)
    with time_machine.travel(START - dt.timedelta(days=3), tick=False):
        booking = book(office, parent, slot)  # its room is not made yet
    client.force_login(parent)
    response = client.get(id_url(booking))
    assert response["Location"] == reverse("booking_detail", kwargs={"pk": booking.pk})
    response = client.post(id_url(booking), {"consultation_id": "WRONG123"})
    assert events(booking, REFUSED) == 0


def test_another_persons_booking_answers_404(client, booking, make_user):
    client.force_login(make_user("mallory@example.jp"))
    for method in (client.get, client.post):
        assert method(id_url(booking)).status_code == HTTPStatus.NOT_FOUND
    assert events(booking, REFUSED) == 0


def test_the_booking_page_and_my_page_say_where_the_id_is_and_never_show_it(
    client, booking, letter
):
    client.force_login(booking.user)
    page = client.get(reverse("booking_detail", kwargs={"pk": booking.pk})).content.decode()
    assert "you will be asked for your consultation ID (面接・相談ID)" in page
    assert "printed on the letter" in page
    my_page = client.get(reverse("my_page")).content.decode()
    assert "it is on the letter" in my_page and "面接・相談ID" in my_page
    for html in (page, my_page):
        assert letter.consultation_id not in html


def test_in_japanese_the_form_page_uses_the_glossary(client, booking):
    client.cookies["django_language"] = "ja"
    client.force_login(booking.user)
    with translation.override("ja"):
        html = client.get(id_url(booking)).content.decode()
    assert "面接・相談IDの入力" in html and "確認して参加する" in html
    assert "利用者IDとともにお渡しした書面に記載の面接・相談ID" in html
    assert "書面をなくされた場合は" in html and "042-527-3234" in html
    wrong = client.post(id_url(booking), {"consultation_id": "WRONG123"}).content.decode()
    assert "面接・相談IDが一致しません" in wrong and "あと4回" in wrong
    booking_page = client.get(reverse("booking_detail", kwargs={"pk": booking.pk}))
    assert "面接・相談IDの入力が必要です" in booking_page.content.decode()
    assert "面接・相談IDが必要です" in client.get(reverse("my_page")).content.decode()
