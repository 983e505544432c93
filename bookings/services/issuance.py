"""Accounts an office issues (T10/T11): a user ID, a one-time initial password and a
consultation ID (面接・相談ID), printed as a letter. Reissuing makes the old ID and password
stop working at once."""

import secrets
import string
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from accounts.models import AccountEvent, User
from accounts.services import end_sessions

from ..models import IssuedAccount, Office

# No look-alike characters (0/O, 1/I/l) in what people copy from paper.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Letter:
    """What the printed letter shows. The password exists only here, never stored."""

    office: Office
    login_id: str
    password: str
    consultation_id: str
    issued_at: object
    reissued: bool = False
    user_id: int | None = None


def _new_login_id(office: Office) -> str:
    prefix = office.slug[:1].upper() or "U"
    while True:
        candidate = prefix + "".join(secrets.choice(string.digits) for _ in range(7))
        if not User.objects.filter(login_id=candidate).exists():
            return candidate


def _new_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(12))


def _new_consultation_id() -> str:
    while True:
        candidate = "".join(secrets.choice(ID_ALPHABET) for _ in range(8))
        if not IssuedAccount.objects.filter(consultation_id=candidate).exists():
            return candidate


@transaction.atomic
def issue_account(*, office: Office, actor: User | None, email: str = "") -> Letter:
    login_id = _new_login_id(office)
    password = _new_password()
    address = (email or "").strip().lower() or f"{login_id.lower()}@issued.invalid"
    user = User.objects.create_user(
        email=address, password=password, login_id=login_id, must_change_password=True
    )
    if email:
        EmailAddress.objects.create(user=user, email=address, verified=True, primary=True)
    issued = IssuedAccount.objects.create(
        office=office, user=user, consultation_id=_new_consultation_id()
    )
    AccountEvent.objects.create(
        user=user, actor=actor, action=AccountEvent.Action.ISSUED, note=office.name
    )
    return Letter(
        office, login_id, password, issued.consultation_id, issued.issued_at, user_id=user.pk
    )


@transaction.atomic
def reissue_account(*, issued: IssuedAccount, actor: User | None) -> Letter:
    """A lost ID (T11(3)): a new user ID and password; the old ones stop working now."""
    issued = (
        IssuedAccount.objects.select_for_update().select_related("user", "office").get(pk=issued.pk)
    )
    user = issued.user
    old_id = user.login_id
    user.login_id = _new_login_id(issued.office)
    password = _new_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["login_id", "password", "must_change_password"])
    end_sessions(user=user)
    AccountEvent.objects.create(
        user=user,
        actor=actor,
        action=AccountEvent.Action.REISSUED,
        note=f"{old_id} → {user.login_id}",
    )
    return Letter(
        issued.office,
        user.login_id,
        password,
        issued.consultation_id,
        timezone.now(),
        True,
        user_id=user.pk,
    )
