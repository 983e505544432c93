"""Staff sign in with a second factor, end idle sessions, and a lost factor can be reset."""

import datetime as dt
from http import HTTPStatus
from urllib.parse import quote

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from allauth.usersessions.models import UserSession
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client

from accounts.models import AccountEvent
from accounts.staff_security import LAST_SEEN_SESSION_KEY, reset_second_factor
from bookings.demo.data import DEMO_TOTP_SECRET
from tests.factories import jst
from tests.support.staff import give_totp, sign_in_staff, totp_code

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Frozen in the middle of a 30-second TOTP step: every code computed in a test is the
# one the server expects.
NOW = jst(2026, 12, 1, 10, 0, 10)


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.jp", PASSWORD, is_staff=True)


def sign_in_with_password(client, email: str, next_url: str = "/admin/"):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD, "next": next_url})


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def asks_to_sign_in(response) -> bool:
    # The admin's own sign-in page sends on to the portal's (allauth's secure_admin_login).
    return response["Location"].startswith(("/accounts/login/", "/admin/login/"))


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_staff_without_a_factor_are_sent_to_set_one_up_before_any_admin_page(
    english, staff, frozen
):
    assert sign_in_with_password(english, staff.email)["Location"] == "/admin/"
    for url in ("/admin/", "/admin/bookings/office/"):
        response = english.get(url)
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == f"/accounts/2fa/?next={quote(url, safe='')}"
    assert "Set up an authenticator app or a passkey" in texts(response)[-1]
    # The setup pages themselves are never redirected.
    assert english.get("/accounts/2fa/").status_code == HTTPStatus.OK


def test_the_reason_is_given_in_japanese(client, staff, frozen):
    sign_in_with_password(client, staff.email)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/2fa/")
    assert "認証アプリまたはパスキーを設定してください" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_after_activating_totp_with_a_valid_code_the_admin_opens(client, make_user, frozen):
    staff = make_user("new.staff@example.jp", PASSWORD, is_staff=True)
    sign_in_with_password(client, staff.email)
    assert client.get("/admin/").status_code == HTTPStatus.FOUND
    # allauth asks for the password again before a factor is added.
    response = client.get("/accounts/2fa/totp/activate/")
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})
    assert client.get("/accounts/2fa/totp/activate/").status_code == HTTPStatus.OK
    secret = client.session[SECRET_SESSION_KEY]

    refused = client.post("/accounts/2fa/totp/activate/", {"code": "000000"})
    assert refused.status_code == HTTPStatus.OK
    assert not Authenticator.objects.filter(user=staff).exists()

    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == HTTPStatus.FOUND
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    # Setting the factor up with a valid code passed it: no second prompt.
    assert client.get("/admin/").status_code == HTTPStatus.OK


def test_staff_with_a_totp_sign_in_with_the_code_and_a_wrong_one_is_refused(client, staff, frozen):
    give_totp(staff, SECRET)
    response = sign_in_with_password(client, staff.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert not is_signed_in(client)
    assert asks_to_sign_in(client.get("/admin/"))

    refused = client.post("/accounts/2fa/authenticate/", {"code": "123456"})
    assert refused.status_code == HTTPStatus.OK
    assert refused.context["form"].errors
    assert not is_signed_in(client)

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET)})
    assert response["Location"] == "/admin/"
    assert is_signed_in(client)
    assert client.get("/admin/").status_code == HTTPStatus.OK


def test_a_password_only_session_must_pass_a_factor_set_up_elsewhere(english, staff, frozen):
    sign_in_with_password(english, staff.email)
    give_totp(staff, SECRET)  # e.g. set up in another browser
    response = english.get("/admin/bookings/office/")
    assert response["Location"] == (
        "/accounts/2fa/reauthenticate/?next=%2Fadmin%2Fbookings%2Foffice%2F"
    )
    assert texts(response)[-1] == "Confirm your second factor to continue to the staff admin."

    refused = english.post(response["Location"], {"code": "654321"})
    assert refused.status_code == HTTPStatus.OK
    assert english.get("/admin/").status_code == HTTPStatus.FOUND

    passed = english.post(response["Location"], {"code": totp_code(SECRET)})
    assert passed["Location"] == "/admin/bookings/office/"
    assert english.get("/admin/").status_code == HTTPStatus.OK


def test_a_staff_member_with_only_a_security_key_confirms_with_the_key(client, staff, frozen):
    sign_in_with_password(client, staff.email)
    Authenticator.objects.create(user=staff, type=Authenticator.Type.WEBAUTHN, data={})
    response = client.get("/admin/")
    assert response["Location"] == "/accounts/2fa/webauthn/reauthenticate/?next=%2Fadmin%2F"


def test_sign_out_stays_possible_without_the_factor(client, staff, frozen):
    sign_in_with_password(client, staff.email)
    assert client.post("/admin/logout/").status_code == HTTPStatus.OK
    assert not is_signed_in(client)


def test_health_and_the_portal_pages_are_not_redirected(client, staff, frozen):
    sign_in_with_password(client, staff.email)
    assert client.get("/health/").status_code in (HTTPStatus.OK, HTTPStatus.SERVICE_UNAVAILABLE)
    assert client.get("/").status_code == HTTPStatus.OK
    assert client.get("/accounts/sessions/").status_code == HTTPStatus.OK


def test_an_idle_staff_session_ends_after_the_limit(english, staff, frozen):
    sign_in_staff(english, staff)
    assert english.get("/admin/").status_code == HTTPStatus.OK

    frozen.shift(dt.timedelta(minutes=29))
    assert english.get("/admin/").status_code == HTTPStatus.OK  # and the clock restarts

    frozen.shift(dt.timedelta(minutes=31))
    response = english.get("/admin/bookings/office/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fbookings%2Foffice%2F"
    assert texts(response) == ["You were signed out after 30 minutes without activity."]
    assert not is_signed_in(english)
    assert asks_to_sign_in(english.get("/me/"))
    assert asks_to_sign_in(english.get("/admin/"))


def test_idleness_counts_on_every_page_and_the_limit_is_a_setting(english, staff, frozen, settings):
    settings.STAFF_IDLE_MINUTES = 5
    sign_in_staff(english, staff)
    assert english.get("/").status_code == HTTPStatus.OK
    frozen.shift(dt.timedelta(minutes=4))
    assert english.get("/me/").status_code == HTTPStatus.OK
    frozen.shift(dt.timedelta(minutes=6))
    response = english.get("/me/")
    assert response["Location"] == "/accounts/login/?next=%2Fme%2F"
    assert texts(response) == ["You were signed out after 5 minutes without activity."]
    assert not is_signed_in(english)


def test_the_idle_message_is_in_japanese(client, staff, frozen):
    sign_in_staff(client, staff)
    client.get("/admin/")
    frozen.shift(dt.timedelta(minutes=31))
    response = client.get("/admin/", follow=True)
    assert "操作がなかったため" in response.content.decode()


def test_citizens_are_never_sent_to_a_second_factor_nor_signed_out_when_idle(
    client, make_user, frozen
):
    citizen = make_user("citizen@example.jp", PASSWORD)
    sign_in_with_password(client, citizen.email, next_url="/me/")
    assert client.get("/me/").status_code == HTTPStatus.OK
    response = client.get("/admin/", follow=True)
    assert response.status_code == HTTPStatus.FORBIDDEN  # the admin is not theirs
    assert [url for url, _status in response.redirect_chain] == ["/admin/login/?next=/admin/"]
    frozen.shift(dt.timedelta(hours=3))
    assert client.get("/me/").status_code == HTTPStatus.OK
    assert LAST_SEEN_SESSION_KEY not in client.session


def test_a_superuser_is_held_to_the_same_rule(client, django_user_model, frozen):
    admin = django_user_model.objects.create_superuser(email="root@example.jp", password=PASSWORD)
    client.force_login(admin)
    assert client.get("/admin/")["Location"].startswith("/accounts/2fa/")
    sign_in_staff(client, admin)
    assert client.get("/admin/").status_code == HTTPStatus.OK


def test_staff_sign_out_everywhere_from_their_sessions_page(staff, frozen):
    give_totp(staff, SECRET)
    here, elsewhere = Client(), Client()
    for browser in (here, elsewhere):
        sign_in_with_password(browser, staff.email)
        browser.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET)})
        frozen.shift(dt.timedelta(seconds=30))  # each code works once
    assert here.get("/accounts/sessions/").status_code == HTTPStatus.OK

    here.post("/accounts/sessions/")  # "sign out other sessions"

    assert is_signed_in(here) and not is_signed_in(elsewhere)
    assert asks_to_sign_in(elsewhere.get("/admin/"))
    assert UserSession.objects.filter(user=staff).count() == 1
    here.post("/accounts/logout/")  # and signing out ends this one
    assert not is_signed_in(here)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        email="national@example.jp", password=PASSWORD
    )


def test_a_national_administrator_resets_a_lost_factor(staff, superuser, frozen):
    give_totp(staff, SECRET)
    RecoveryCodes.activate(staff)
    phone, laptop = Client(), Client()
    for browser in (phone, laptop):
        sign_in_with_password(browser, staff.email)
        browser.post("/accounts/2fa/authenticate/", {"code": totp_code(SECRET)})
        assert browser.get("/admin/").status_code == HTTPStatus.OK
        frozen.shift(dt.timedelta(seconds=30))  # each code works once
    assert UserSession.objects.filter(user=staff).count() == 2

    deleted = reset_second_factor(user=staff, actor=superuser, reason="電話で本人確認、端末紛失")

    assert deleted == 2
    assert not Authenticator.objects.filter(user=staff).exists()
    assert not UserSession.objects.filter(user=staff).exists()
    for browser in (phone, laptop):
        assert not is_signed_in(browser)
        assert asks_to_sign_in(browser.get("/admin/"))
    event = AccountEvent.objects.get(user=staff, action="mfa_reset")
    assert (event.actor, event.note) == (superuser, "電話で本人確認、端末紛失")
    # Signing in again leads to setting up a new factor.
    sign_in_with_password(phone, staff.email)
    assert phone.get("/admin/")["Location"].startswith("/accounts/2fa/")


def test_only_a_national_administrator_may_reset_a_factor(staff, make_user, superuser):
    give_totp(staff, SECRET)
    manager = make_user("manager@example.jp", PASSWORD, is_staff=True)
    with pytest.raises(PermissionDenied):
        reset_second_factor(user=staff, actor=manager, reason="紛失")
    with pytest.raises(ValueError):
        reset_second_factor(user=staff, actor=superuser, reason="  ")
    assert Authenticator.objects.filter(user=staff).count() == 1
    assert not AccountEvent.objects.filter(action="mfa_reset").exists()


def test_seed_demo_gives_every_demo_staff_member_the_documented_totp_once(
    capsys, settings, frozen, django_user_model
):
    settings.DEBUG = False
    call_command("seed_demo")
    assert DEMO_TOTP_SECRET not in capsys.readouterr().out
    settings.DEBUG = True
    call_command("seed_demo")
    printed = capsys.readouterr().out
    assert DEMO_TOTP_SECRET in printed
    assert "from bookings.demo import totp_code" in printed

    staff = django_user_model.objects.filter(is_staff=True)
    assert {"admin@example.jp", "staff.two-offices@example.jp"} <= {u.email for u in staff}
    assert staff.filter(email__startswith="manager.").count() == 3
    totps = Authenticator.objects.filter(type=Authenticator.Type.TOTP)
    assert sorted(totps.values_list("user__email", flat=True)) == sorted(u.email for u in staff)
    code = totp_code(DEMO_TOTP_SECRET)
    assert all(totp.wrap().validate_code(code) for totp in totps)
    assert not Authenticator.objects.filter(user__is_staff=False).exists()


def test_the_reset_is_an_action_of_national_administrators_only(staff, superuser, frozen):
    give_totp(staff)
    national, office_staff = Client(), Client()
    sign_in_staff(national, superuser)
    sign_in_staff(office_staff, staff)
    listing = national.get("/admin/accounts/user/").content.decode()
    assert 'value="reset_second_factor"' in listing
    national.post(
        "/admin/accounts/user/",
        {
            "action": "reset_second_factor",
            "_selected_action": [staff.pk],
            "confirm": "yes",
            "reason": "スマートフォンを紛失",
        },
    )
    assert not Authenticator.objects.filter(user=staff).exists()
    assert AccountEvent.objects.filter(user=staff, action="mfa_reset", actor=superuser).exists()
    # Office staff are not offered the action (their own list, if they may see users).
    assert (
        'value="reset_second_factor"'
        not in office_staff.get("/admin/accounts/user/").content.decode()
    )
