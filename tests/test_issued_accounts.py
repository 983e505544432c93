"""Accounts issued by an office (T10/T11) and suspension (T9, I8(2), K12(1))."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import translation

from accounts.messages import render_message
from accounts.models import AccountEvent, Message, SignIn
from bookings import selectors, services
from bookings.models import Booking, IssuedAccount, Suspension
from tests.factories import (
    book,
    jst,
    make_counsellor,
    make_eligible,
    make_office_with_terms,
    make_slot,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def office():
    return make_office_with_terms(
        slug="tachikawa-test",
        kind="child_family",
        municipality_codes=["13202"],
        requires_issued_account=True,
        meeting_provider="jitsi",
    )


@pytest.fixture
def staff(admin_user):
    return admin_user


def sign_in(client, login_id, password):
    return client.post("/accounts/issued/login/", {"login_id": login_id, "password": password})


def test_an_issued_person_signs_in_with_the_id_and_must_change_the_password(office, staff):
    letter = services.issue_account(office=office, actor=staff)
    assert IssuedAccount.objects.get(user__login_id=letter.login_id).office == office
    client = Client()
    response = sign_in(client, letter.login_id, letter.password)
    assert response.status_code == HTTPStatus.FOUND
    assert client.get("/me/")["Location"] == "/accounts/password/change/?next=%2Fme%2F"
    assert (
        client.get("/offices/tachikawa-test/")["Location"]
        == "/accounts/password/change/?next=%2Foffices%2Ftachikawa-test%2F"
    )
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": letter.password,
            "password1": "my-own-pass-42",
            "password2": "my-own-pass-42",
            "next": "/me/",
        },
    )
    assert response["Location"] == "/me/"
    assert client.get("/me/").status_code == HTTPStatus.OK
    assert SignIn.objects.filter(user__login_id=letter.login_id, method="login_id").count() == 1
    user = IssuedAccount.objects.get(user__login_id=letter.login_id).user
    assert not user.must_change_password
    assert AccountEvent.objects.filter(user=user, action="initial_password_changed").exists()


def test_the_first_change_explains_itself_in_the_letters_words_and_goes_on_to_my_page(
    office, staff
):
    letter = services.issue_account(office=office, actor=staff)  # issued without e-mail
    client = Client()
    client.cookies["django_language"] = "en"
    response = sign_in(client, letter.login_id, letter.password)
    assert response["Location"] == "/me/"
    change_url = client.get("/me/")["Location"]
    page = client.get(change_url).content.decode()
    assert "initial password (初期パスワード) from the office's letter" in page
    assert "Initial password (初期パスワード)" in page
    assert 'name="next" value="/me/"' in page
    # No e-mail reset for an account without e-mail: the centre reissues, by phone.
    assert "/accounts/password/reset/" not in page
    assert f"Ask {office.name_en} to reissue your user ID and password" in page
    assert '<a href="tel:+81-144-32-5221">0144-32-5221</a>' in page

    response = client.post(
        change_url,
        {
            "oldpassword": letter.password,
            "password1": "my-own-pass-42",
            "password2": "my-own-pass-42",
            "next": "/me/",
        },
    )
    assert response["Location"] == "/me/"


def test_an_account_with_e_mail_keeps_the_e_mail_reset_link(client, make_user):
    client.cookies["django_language"] = "en"
    client.force_login(make_user("self@example.jp"))
    page = client.get("/accounts/password/change/").content.decode()
    assert "/accounts/password/reset/" in page
    assert "初期パスワード" not in page
    assert "to reissue" not in page


def test_a_wrong_password_is_refused_with_a_message(office, staff):
    letter = services.issue_account(office=office, actor=staff)
    client = Client()
    client.cookies["django_language"] = "en"
    response = sign_in(client, letter.login_id, "wrong-password")
    assert response.status_code == HTTPStatus.OK
    assert "The user ID or the password is not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_reissuing_stops_the_old_id_and_password_at_once(office, staff):
    letter = services.issue_account(office=office, actor=staff)
    signed_in = Client()
    sign_in(signed_in, letter.login_id, letter.password)
    assert signed_in.get("/accounts/password/change/").status_code == HTTPStatus.OK
    issued = IssuedAccount.objects.get(user__login_id=letter.login_id)
    new = services.reissue_account(issued=issued, actor=staff)
    assert new.login_id != letter.login_id and new.reissued
    assert new.consultation_id == letter.consultation_id
    # The old session ends and the old credentials no longer work.
    assert signed_in.get("/me/").status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in signed_in.get("/me/")["Location"]
    assert sign_in(Client(), letter.login_id, letter.password).status_code == HTTPStatus.OK
    assert sign_in(Client(), new.login_id, letter.password).status_code == HTTPStatus.OK
    assert sign_in(Client(), new.login_id, new.password).status_code == HTTPStatus.FOUND
    assert AccountEvent.objects.filter(user=issued.user, action="reissued").exists()


def test_the_letter_is_printable_and_never_cached(admin_client, office):
    response = admin_client.post(
        "/admin/bookings/office/",
        {"action": "issue_account", "_selected_action": [office.pk], "confirm": "yes", "email": ""},
    )
    assert response.status_code == HTTPStatus.OK
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    user = IssuedAccount.objects.get().user
    assert user.login_id in html and "初期パスワード" in html
    assert "/accounts/issued/login/" in html and "js/print.js" in html
    assert user.email.endswith(".invalid")


def test_self_sign_up_cannot_book_where_accounts_are_issued(make_user, office):
    person = make_eligible(make_user("self@example.jp"), office)
    codes = {r.code for r in selectors.refusals(person, office)}
    assert "issued_account" in codes


# --- suspension ------------------------------------------------------------------------


@pytest.fixture
def suspended_scene(make_user, office, staff, django_capture_on_commit_callbacks):
    import time_machine

    other = make_office_with_terms(slug="k", municipality_codes=["13202"], meeting_provider="jitsi")
    counsellor = make_counsellor(other)
    person = make_eligible(make_user("person@example.jp"), other)
    with time_machine.travel(jst(2026, 11, 20, 9), tick=False):
        booking = book(other, person, make_slot(other, counsellor, jst(2030, 1, 8, 10)))
    services.issue_room(booking_id=booking.pk)
    with django_capture_on_commit_callbacks(execute=True):
        # A national administrator suspends the account everywhere.
        services.suspend_person(user=person, office=None, actor=staff, reason="禁止事項に該当")
    return other, counsellor, person, booking


def test_suspension_cancels_open_bookings_invalidates_rooms_and_tells_the_person(
    suspended_scene,
):
    _office, _counsellor, person, booking = suspended_scene
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.rooms.get().invalidated_at is not None
    assert "利用停止" in render_message(person.messages.get(kind=Message.Kind.SUSPENDED)).subject
    suspension = Suspension.objects.get(user=person)
    assert suspension.office is None and suspension.reason == "禁止事項に該当"
    assert suspension.suspended_by is not None


def test_a_suspended_person_is_refused_on_every_route(client, suspended_scene):
    office, counsellor, person, booking = suspended_scene
    person.refresh_from_db()
    later = make_slot(office, counsellor, jst(2030, 1, 9, 10))
    with pytest.raises(services.BookingError) as refused:
        services.create_booking(
            user=person,
            office=office,
            slot_id=later.pk,
            full_name="x",
            full_name_kana="エ",
            job_seeker_number="01234-5678901",
            phone="090-1234-5678",
        )
    assert refused.value.code == "suspended"
    with pytest.raises(services.BookingError):
        services.start_immediate_consultation(counsellor=counsellor, user=person)
    assert selectors.access_code_for(booking=booking, user=person) is None
    client.force_login(person)
    response = client.post(
        f"/offices/{office.slug}/book/{later.pk}/",
        {"full_name": "x", "full_name_kana": "エ", "job_seeker_number": "01234-5678901"},
    )
    assert response["Location"] == f"/offices/{office.slug}/"
    join = client.get(f"/me/bookings/{booking.pk}/join/")
    assert join["Location"] == f"/me/bookings/{booking.pk}/"
    assert Booking.objects.filter(user=person, status__in=Booking.ACTIVE).count() == 0


def test_lifting_a_suspension_needs_a_reason_and_is_logged(suspended_scene, staff):
    _office, _counsellor, person, _booking = suspended_scene
    suspension = Suspension.objects.get(user=person)
    with pytest.raises(services.BookingError):
        services.lift_suspension(suspension=suspension, actor=staff, reason="")
    services.lift_suspension(suspension=suspension, actor=staff, reason="確認済み")
    suspension.refresh_from_db()
    assert suspension.lifted_at is not None and suspension.lifted_by == staff
    assert suspension.lift_reason == "確認済み"


def test_staff_suspend_from_the_admin_with_a_reason(admin_client, make_user):
    person = make_user("p2@example.jp")
    admin_client.post("/admin/bookings/suspension/add/", {"user": person.pk, "reason": ""})
    assert not Suspension.objects.exists()  # the reason is asked for first
    admin_client.post("/admin/bookings/suspension/add/", {"user": person.pk, "reason": "理由"})
    suspension = Suspension.objects.get(user=person)
    assert suspension.office is None and suspension.reason == "理由"
    assert Message.objects.filter(user=person).exists()
