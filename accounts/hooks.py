"""Rules other apps add to account changes (accounts knows nothing of bookings).

bookings registers a rule that refuses a phone change while an immediate consultation is
pending (K6の2(3)): the registered phone is how the office checks who it is talking to;
and it tells who reissues an issued account's credentials (the office that issued them).
"""

from collections.abc import Callable
from dataclasses import dataclass

from .models import User

PhoneChangeRule = Callable[[User], str | None]
_phone_change_rules: list[PhoneChangeRule] = []


def register_phone_change_rule(rule: PhoneChangeRule) -> None:
    if rule not in _phone_change_rules:
        _phone_change_rules.append(rule)


def phone_change_refusal(user: User) -> str | None:
    for rule in _phone_change_rules:
        reason = rule(user)
        if reason:
            return reason
    return None


@dataclass(frozen=True)
class Contact:
    """Who reissues a person's credentials (the office that issued them), by phone."""

    name: str
    phone: str  # as read out: 042-527-3234
    tel: str  # as a link: tel:+81-42-527-3234


ReissueContact = Callable[[User], Contact | None]
_reissue_contacts: list[ReissueContact] = []


def register_reissue_contact(finder: ReissueContact) -> None:
    if finder not in _reissue_contacts:
        _reissue_contacts.append(finder)


def reissue_contact(user: User) -> Contact | None:
    """The office that issued the person's account, if one did (bookings knows)."""
    for finder in _reissue_contacts:
        contact = finder(user)
        if contact is not None:
            return contact
    return None
