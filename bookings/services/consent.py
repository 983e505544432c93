"""Consents recorded for an office: on its terms page, and by applying for a booking."""

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from terms.models import Consent, TermsVersion
from terms.selectors import AgreementDue
from terms.services import record_consent, record_consents_by_applying

from ..errors import BookingError
from ..models import Booking, Office


def record_office_consent(
    *,
    user: User,
    office: Office,
    version: TermsVersion,
    ip_address: str | None,
    user_agent: str,
) -> Consent:
    """A person agrees to a version of the office's terms on the terms page. While the
    office has an immediate consultation waiting for them, that is the re-consent of
    K6の2(2) and is recorded as such; otherwise it is an explicit consent."""
    waiting = Booking.objects.filter(
        user=user,
        slot__office=office,
        is_immediate=True,
        status=Booking.Status.CONFIRMED,
        slot__ends_at__gt=timezone.now(),
    ).exists()
    return record_consent(
        user=user,
        version=version,
        method=Consent.Method.RECONSENT_IMMEDIATE if waiting else Consent.Method.EXPLICIT,
        ip_address=ip_address,
        user_agent=user_agent,
    )


def record_booking_consent(
    *,
    user: User,
    due: list[AgreementDue],
    acknowledged: set[int],
    ip_address: str | None,
    user_agent: str,
) -> None:
    """Applying counts as consent (K前文, I相談前文): record it as such for the versions in
    force the user acknowledged in the form (`due`: what they had still to agree to, of the
    office's documents or a session's own). A user who agreed to an older version must
    read the changes first, and nobody books without consent to the version in force."""
    for need in due:
        if need.is_revision:
            raise BookingError(
                _("The terms of use have changed. Please read the changes and agree first."),
                "terms_revised",
            )
        if need.version.pk not in acknowledged:
            raise BookingError(
                _("Please agree to the terms of use in force to apply."), "terms_missing"
            )
    if due:  # the booking made next in this transaction bumps the person's pages
        record_consents_by_applying(
            user=user,
            versions=[need.version for need in due],
            ip_address=ip_address,
            user_agent=user_agent,
        )
