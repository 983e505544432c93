"""Rules other apps add to account changes (accounts knows nothing of bookings).

bookings registers a rule that refuses a phone change while an immediate consultation is
pending (K6の2(3)): the registered phone is how the office checks who it is talking to.
"""

from collections.abc import Callable

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
