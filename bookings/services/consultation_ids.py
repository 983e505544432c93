"""The consultation ID (面接・相談ID) a person enters before joining a consultation at an
office that issues accounts (T10(2)): checked against the person's issued account there,
in constant time, every try logged on the booking, and refused for a while after too many
wrong tries (counted in the database, so a cache outage changes nothing)."""

import datetime as dt
import hmac
import logging
import re
import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User

from ..errors import BookingError
from ..models import Booking, BookingEvent, IssuedAccount, Office
from .events import log_event

logger = logging.getLogger(__name__)

WRONG_TRIES_ALLOWED = 5
WRONG_TRIES_WINDOW = dt.timedelta(minutes=15)

# After NFKC (full-width letters, digits and hyphen-minus become ASCII): white space and
# the dash-like characters people type between groups, katakana's long mark included.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ー]+")


def normalize_consultation_id(value: str) -> str:
    """The consultation ID as compared: NFKC, without spaces or hyphens, in capitals."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "")).upper()


def needs_consultation_id(booking: Booking) -> bool:
    """Joining asks for the consultation ID at offices that issue accounts."""
    return booking.slot.office.requires_issued_account


def still_checked(*, booking: Booking, user: User, issued_account_id: int | None) -> bool:
    """A check remembered for the booking still holds: it was made against the person's
    account at the office, and that account is still in force (not revoked)."""
    if issued_account_id is None:
        return False
    return IssuedAccount.objects.filter(
        pk=issued_account_id, office_id=booking.slot.office_id, user=user, revoked_at__isnull=True
    ).exists()


def wrong_tries(*, user: User, office: Office | int, now: dt.datetime | None = None) -> int:
    """The person's wrong consultation IDs at the office in the last WRONG_TRIES_WINDOW,
    on any of their bookings there."""
    now = now or timezone.now()
    office_id = office if isinstance(office, int) else office.pk
    return BookingEvent.objects.filter(
        action=BookingEvent.Action.CONSULTATION_ID_REFUSED,
        booking__user=user,
        booking__slot__office_id=office_id,
        at__gt=now - WRONG_TRIES_WINDOW,
    ).count()


def is_locked_out(*, user: User, office: Office | int, now: dt.datetime | None = None) -> bool:
    return wrong_tries(user=user, office=office, now=now) >= WRONG_TRIES_ALLOWED


def _call(office: Office) -> str:
    phone = office.phone.as_national if office.phone else ""
    return _("Please phone %(office)s at %(phone)s.") % {
        "office": office.display_name,
        "phone": phone,
    }


def locked_out(office: Office) -> BookingError:
    minutes = int(WRONG_TRIES_WINDOW.total_seconds() // 60)
    return BookingError(
        _(
            "The consultation ID was entered wrongly too many times. Please try again in "
            "%(minutes)s minutes."
        )
        % {"minutes": minutes}
        + " "
        + _call(office),
        "locked",
    )


def check_consultation_id(
    *, booking: Booking, user: User, entered: str, now: dt.datetime | None = None
) -> IssuedAccount:
    """Compare what the person entered with the consultation ID of their issued account at
    the booking's office. Returns the account (remember its id) or raises BookingError:
    "wrong", "locked" (too many wrong tries: wait, or phone the office) or "no_account".
    Each compared try is logged on the booking (never what was entered)."""
    now = now or timezone.now()
    office = booking.slot.office
    left = 0
    with transaction.atomic():
        # The account's row lock makes one person's tries at an office count one after
        # the other: no burst of parallel guesses gets past the limit.
        account = (
            IssuedAccount.objects.select_for_update()
            .filter(office=office, user=user, revoked_at__isnull=True)
            .first()
        )
        if account is None:
            outcome = "no_account"
        elif (tries := wrong_tries(user=user, office=office, now=now)) >= WRONG_TRIES_ALLOWED:
            outcome = "locked"
        else:
            given = normalize_consultation_id(entered).encode()
            expected = normalize_consultation_id(account.consultation_id).encode()
            right = bool(given) and hmac.compare_digest(given, expected)
            outcome = "right" if right else "wrong"
            left = WRONG_TRIES_ALLOWED - tries - 1
            log_event(
                booking=booking,
                action=(
                    BookingEvent.Action.CONSULTATION_ID_CHECKED
                    if right
                    else BookingEvent.Action.CONSULTATION_ID_REFUSED
                ),
                actor=user,
            )
    # Refusals are raised after the commit: the wrong try stays logged, and counts.
    if outcome == "right" and account is not None:
        return account
    if outcome == "no_account":
        raise BookingError(
            _("Your account issued by this office is not in force.") + " " + _call(office),
            "no_account",
        )
    if outcome == "locked" or left <= 0:
        logger.warning("consultation ID refused for booking %s: too many wrong tries", booking.pk)
        raise locked_out(office)
    raise BookingError(
        ngettext(
            "The consultation ID does not match. Check it on the letter from the office and "
            "enter it again (%(left)s more try).",
            "The consultation ID does not match. Check it on the letter from the office and "
            "enter it again (%(left)s more tries).",
            left,
        )
        % {"left": left},
        "wrong",
    )
