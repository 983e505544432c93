"""The re-consent gate: no booking, access code or immediate consultation without consent
to the version of each of the office's terms documents that is in force now."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from terms.models import Consent
from terms.selectors import ConsentNeed, consent_needs
from terms.services import record_consent

from .models import Booking, Office


def record_office_consent(*, user, office: Office, version, ip_address, user_agent: str):
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


def missing_consents(user, office: Office) -> list[ConsentNeed]:
    return consent_needs(user, office.terms_documents.all())


def has_current_consent(user, office: Office) -> bool:
    return not missing_consents(user, office)


def terms_url_for(office: Office, next_url: str) -> str:
    return (
        reverse("office_terms", kwargs={"slug": office.slug}) + "?" + urlencode({"next": next_url})
    )


def require_current_consent(
    view: Callable[..., HttpResponse] | None = None, *, first_consent_in_form: bool = False
):
    """For views of one office (URL keyword `slug`): a signed-in user whose consent is missing
    or older than the version in force goes to the terms page, and comes back afterwards.

    With `first_consent_in_form`, a user who never agreed is let through: the view's form
    records applying as consent (deemed consent). A revision still sends them to the terms.
    """
    if view is None:
        return lambda v: require_current_consent(v, first_consent_in_form=first_consent_in_form)

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        office = get_object_or_404(Office, slug=slug)
        needs = missing_consents(request.user, office)
        if first_consent_in_form:
            needs = [need for need in needs if need.is_revision]
        if needs:
            if any(need.is_revision for need in needs):
                messages.warning(
                    request,
                    _(
                        "The terms of use have changed. Please read what changed and agree to "
                        "the new version to go on."
                    ),
                )
            else:
                messages.info(request, _("Please read and agree to the terms of use to go on."))
            next_url = (
                request.get_full_path() if request.method == "GET" else office.get_absolute_url()
            )
            return redirect(terms_url_for(office, next_url))
        return view(request, slug, *args, **kwargs)

    return wrapper
