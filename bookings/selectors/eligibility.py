"""Who may book at an office, and for each refusal: which rule, why, and what to do.

One small function per rule; `refusals` asks each in turn."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Profile, User
from accounts.selectors import profile_for

from ..models import Booking, IssuedAccount, Office
from .restrictions import counted_no_show, is_restricted
from .suspensions import is_suspended_at


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str
    action: str
    action_url: str = ""


@dataclass(frozen=True)
class Asking:
    """What every rule may look at: one person at one office, now."""

    user: User
    office: Office
    profile: Profile
    now: dt.datetime

    @property
    def call(self) -> str:
        phone = self.office.phone.as_national if self.office.phone else ""
        return _("Please phone %(office)s at %(phone)s.") % {
            "office": self.office.display_name,
            "phone": phone,
        }

    @property
    def profile_url(self) -> str:
        return reverse("profile") + "?next=" + self.office.get_absolute_url()


def booking_counts(user: User, office: Office, now: dt.datetime | None = None) -> tuple[int, int]:
    """(no-shows that count towards the office's policy, open bookings), in one query."""
    now = now or timezone.now()
    counts = Booking.objects.filter(user=user, slot__office=office).aggregate(
        no_shows=Count("pk", filter=counted_no_show(office, now)),
        open=Count("pk", filter=Q(status__in=Booking.ACTIVE, slot__ends_at__gt=now)),
    )
    return counts["no_shows"], counts["open"]


def issued_account_rule(asking: Asking) -> Refusal | None:
    office = asking.office
    if not office.requires_issued_account:
        return None
    if IssuedAccount.objects.filter(
        office=office, user=asking.user, revoked_at__isnull=True
    ).exists():
        return None
    return Refusal(
        "issued_account",
        _("This office takes online bookings only from accounts it has issued."),
        _("Ask the office for a user ID and a consultation ID.") + " " + asking.call,
    )


def profile_rule(asking: Asking) -> Refusal | None:
    if asking.profile.is_complete:
        return None
    return Refusal(
        "profile",
        _("Your name, its reading in katakana and your phone number are needed."),
        _("Fill in your profile."),
        asking.profile_url,
    )


def job_seeker_number_rule(asking: Asking) -> Refusal | None:
    if not asking.office.requires_job_seeker_number or asking.profile.job_seeker_number:
        return None
    return Refusal(
        "job_seeker_number",
        _("This office needs your job-seeker number (求職番号)."),
        _(
            "Enter it in your profile. If you are not registered yet, register as a job "
            "seeker at Hello Work first."
        )
        + " "
        + asking.call,
        asking.profile_url,
    )


def residence_rule(asking: Asking) -> Refusal | None:
    office, profile = asking.office, asking.profile
    if not office.requires_residence or profile.municipality_code in office.municipality_codes:
        return None
    if profile.municipality_code:
        reason = _("You live outside the area this office serves.")
    else:
        reason = _("This office serves people who live in its area: your address is needed.")
    return Refusal(
        "residence",
        reason,
        _(
            "Check the postal code in your profile. If you live elsewhere, your local "
            "office can help you."
        )
        + " "
        + asking.call,
        asking.profile_url,
    )


def environment_rule(asking: Asking) -> Refusal | None:
    if asking.profile.environment_confirmed_at is not None:
        return None
    return Refusal(
        "environment",
        _(
            "Before your first booking, confirm that your device and connection are "
            "ready for a video consultation."
        ),
        _("Go through the environment checklist."),
        reverse("environment") + "?next=" + asking.office.get_absolute_url(),
    )


def _no_show_refusal(asking: Asking) -> Refusal:
    office = asking.office
    return Refusal(
        "no_show",
        _(
            "Online booking at this office is restricted: %(count)s bookings were "
            "cancelled as no-shows in the last %(days)s days."
        )
        % {"count": office.no_show_limit, "days": office.no_show_window_days},
        asking.call,
    )


def _limit_refusal(asking: Asking) -> Refusal:
    return Refusal(
        "limit",
        _("You already have as many open bookings at this office as it allows."),
        _("Cancel or finish your open booking first (see My Page)."),
        reverse("my_page"),
    )


def booking_history_rules(asking: Asking) -> list[Refusal]:
    """The no-show restriction and the office's limit of open bookings: both from one
    count of the person's bookings at the office."""
    no_shows, open_count = booking_counts(asking.user, asking.office, asking.now)
    found = []
    if is_restricted(no_shows, asking.office):
        found.append(_no_show_refusal(asking))
    if open_count >= asking.office.booking_limit:
        found.append(_limit_refusal(asking))
    return found


RULES: list[Callable[[Asking], Refusal | None]] = [
    issued_account_rule,
    profile_rule,
    job_seeker_number_rule,
    residence_rule,
    environment_rule,
]


def refusals(user: User, office: Office, *, now: dt.datetime | None = None) -> list[Refusal]:
    """Every rule of the office the user does not meet now (empty: the user may book)."""
    asking = Asking(user, office, profile_for(user), now or timezone.now())
    if is_suspended_at(user, office):
        return [
            Refusal(
                "suspended",
                _("Your use of online consultations at this office is suspended."),
                asking.call,
            )
        ]
    found = [refusal for rule in RULES if (refusal := rule(asking)) is not None]
    return found + booking_history_rules(asking)
