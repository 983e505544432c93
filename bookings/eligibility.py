"""Who may book at an office, and for each refusal: which rule, why, and what to do."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Profile

from .models import Booking, IssuedAccount, NoShowLift, Office


@dataclass(frozen=True)
class Refusal:
    code: str
    reason: str
    action: str
    action_url: str = ""


def profile_of(user) -> Profile:
    profile = getattr(user, "_cached_profile", None)
    if profile is None:
        profile, _created = Profile.objects.get_or_create(user=user)
        user._cached_profile = profile
    return profile


def booking_counts(user, office: Office, now: dt.datetime | None = None) -> tuple[int, int]:
    """(no-shows in the office's window not before a lifted restriction, open bookings),
    in one query."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=office.no_show_window_days)
    lifted_later = NoShowLift.objects.filter(
        office=office, user=user, at__gte=OuterRef("slot__starts_at")
    )
    counts = Booking.objects.filter(user=user, slot__office=office).aggregate(
        no_shows=Count(
            "pk",
            filter=Q(status=Booking.Status.NO_SHOW, slot__starts_at__gte=since)
            & ~Q(Exists(lifted_later)),
        ),
        open=Count("pk", filter=Q(status__in=Booking.ACTIVE, slot__ends_at__gt=now)),
    )
    return counts["no_shows"], counts["open"]


def refusals(user, office: Office, *, now: dt.datetime | None = None) -> list[Refusal]:
    """Every rule of the office the user does not meet now (empty: the user may book)."""
    phone = office.phone.as_national if office.phone else ""
    call = _("Please phone %(office)s at %(phone)s.") % {
        "office": office.display_name,
        "phone": phone,
    }
    found: list[Refusal] = []
    if user.is_suspended:
        found.append(
            Refusal("suspended", _("Your use of online consultations is suspended."), call)
        )
        return found
    if (
        office.requires_issued_account
        and not IssuedAccount.objects.filter(
            office=office, user=user, revoked_at__isnull=True
        ).exists()
    ):
        found.append(
            Refusal(
                "issued_account",
                _("This office takes online bookings only from accounts it has issued."),
                _("Ask the office for a user ID and a consultation ID.") + " " + call,
            )
        )
    profile = profile_of(user)
    profile_url = reverse("profile") + "?next=" + office.get_absolute_url()
    if not profile.is_complete:
        found.append(
            Refusal(
                "profile",
                _("Your name, its reading in katakana and your phone number are needed."),
                _("Fill in your profile."),
                profile_url,
            )
        )
    if office.requires_job_seeker_number and not profile.job_seeker_number:
        found.append(
            Refusal(
                "job_seeker_number",
                _("This office needs your job-seeker number (求職番号)."),
                _(
                    "Enter it in your profile. If you are not registered yet, register as a job "
                    "seeker at Hello Work first."
                )
                + " "
                + call,
                profile_url,
            )
        )
    if office.requires_residence and profile.municipality_code not in office.municipality_codes:
        if profile.municipality_code:
            reason = _("You live outside the area this office serves.")
        else:
            reason = _("This office serves people who live in its area: your address is needed.")
        found.append(
            Refusal(
                "residence",
                reason,
                _(
                    "Check the postal code in your profile. If you live elsewhere, your local "
                    "office can help you."
                )
                + " "
                + call,
                profile_url,
            )
        )
    if profile.environment_confirmed_at is None:
        found.append(
            Refusal(
                "environment",
                _(
                    "Before your first booking, confirm that your device and connection are "
                    "ready for a video consultation."
                ),
                _("Go through the environment checklist."),
                reverse("environment") + "?next=" + office.get_absolute_url(),
            )
        )
    no_shows, open_count = booking_counts(user, office, now)
    if office.no_show_limit and no_shows >= office.no_show_limit:
        found.append(
            Refusal(
                "no_show",
                _(
                    "Online booking at this office is restricted: %(count)s bookings were "
                    "cancelled as no-shows in the last %(days)s days."
                )
                % {"count": office.no_show_limit, "days": office.no_show_window_days},
                call,
            )
        )
    if open_count >= office.booking_limit:
        found.append(
            Refusal(
                "limit",
                _("You already have as many open bookings at this office as it allows."),
                _("Cancel or finish your open booking first (see My Page)."),
                reverse("my_page"),
            )
        )
    return found
