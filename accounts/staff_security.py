"""The staff side's stronger sign-in: a second factor before any admin page, an idle limit,
and a national administrator's reset of a lost factor.

A staff member (is_staff or is_superuser) who asks for an admin page

- without a TOTP authenticator or a WebAuthn key/passkey is sent to set one up (allauth's
  MFA page); recovery codes alone are a fallback, not a factor to set up;
- with one, but in a session that did not pass it, is asked for it (allauth's MFA
  re-authentication). A session passed it when allauth's authentication records of this
  sign-in hold an "mfa" step: the code asked at sign-in, a re-authentication, a recovery
  code, or setting the factor up in this session (setting up a TOTP takes a valid code).

Any request of a staff member counts as activity; one that comes more than
STAFF_IDLE_MINUTES after the previous one ends the session instead. Citizens are untouched.
"""

import time
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

from .models import AccountEvent, User
from .services import end_sessions
from .usage import SKIPPED_PREFIXES

LAST_SEEN_SESSION_KEY = "staff_last_seen"
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def is_staff_user(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser))


def authenticator_types(user) -> set[str]:
    return set(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True))


def has_second_factor(user) -> bool:
    return bool(authenticator_types(user) & set(SECOND_FACTORS))


def passed_second_factor(request: HttpRequest) -> bool:
    """Whether this sign-in passed a second factor, as allauth recorded it in the session."""
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


@receiver(authenticator_added, dispatch_uid="accounts.staff_security.setup_counts")
def _setting_up_a_factor_passes_it(sender, request, user, authenticator, **kwargs) -> None:
    """Setting up a TOTP (a valid code) or a WebAuthn key in this session proves it here,
    so the person is not asked for it again at once."""
    if request is None or authenticator.type not in SECOND_FACTORS:
        return
    if getattr(request, "user", None) is None or request.user.pk != user.pk:
        return
    record_authentication(
        request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True
    )


def _redirect(request: HttpRequest, url: str, next_url: str | None) -> HttpResponse:
    if next_url:
        url = f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
    if request.headers.get("HX-Request") == "true":
        # htmx would swap the sign-in page into a fragment: make it load the whole page.
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class StaffSecurityMiddleware:
    """Placed after authentication, messages and allauth's middleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(SKIPPED_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not is_staff_user(user):
            return self.get_response(request)
        now = time.time()
        last_seen = request.session.get(LAST_SEEN_SESSION_KEY)
        minutes = settings.STAFF_IDLE_MINUTES
        if isinstance(last_seen, int | float) and now - last_seen > minutes * 60:
            return self._sign_out_idle(request, minutes)
        request.session[LAST_SEEN_SESSION_KEY] = now
        if self._is_admin_page(request.path):
            response = self._require_second_factor(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    @staticmethod
    def _is_admin_page(path: str) -> bool:
        # Signing out must stay possible without the factor.
        return path.startswith(reverse("admin:index")) and path != reverse("admin:logout")

    @staticmethod
    def _next(request: HttpRequest) -> str | None:
        return request.get_full_path() if request.method in ("GET", "HEAD") else None

    def _sign_out_idle(self, request: HttpRequest, minutes: int) -> HttpResponse:
        next_url = self._next(request)
        logout(request)
        messages.info(
            request,
            ngettext(
                "You were signed out after %(minutes)d minute without activity.",
                "You were signed out after %(minutes)d minutes without activity.",
                minutes,
            )
            % {"minutes": minutes},
        )
        return _redirect(request, reverse("account_login"), next_url)

    def _require_second_factor(self, request: HttpRequest, user) -> HttpResponse | None:
        types = authenticator_types(user)
        if not types & set(SECOND_FACTORS):
            messages.warning(
                request,
                _(
                    "Staff accounts need a second factor. Set up an authenticator app or a "
                    "passkey to continue to the staff admin."
                ),
            )
            return _redirect(request, reverse("mfa_index"), self._next(request))
        if not passed_second_factor(request):
            messages.info(request, _("Confirm your second factor to continue to the staff admin."))
            # allauth's code page takes a TOTP or a recovery code; a key has its own page.
            by_code = types & {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
            name = "mfa_reauthenticate" if by_code else "mfa_reauthenticate_webauthn"
            return _redirect(request, reverse(name), self._next(request))
        return None


@transaction.atomic
def reset_second_factor(*, user: User, actor: User, reason: str) -> int:
    """A national administrator resets a staff member's lost second factor: their TOTP,
    WebAuthn keys and recovery codes are deleted and their sessions end, so their next
    admin page asks them to set up a new one. Logged on the account. Returns how many
    authenticators were deleted."""
    if not (actor.is_active and actor.is_superuser):
        raise PermissionDenied(_("Only a national administrator can reset a second factor."))
    if not reason.strip():
        raise ValueError("a reason is required")
    user = User.objects.select_for_update().get(pk=user.pk)
    deleted, _by_model = Authenticator.objects.filter(user_id=user.pk).delete()
    end_sessions(user=user)
    AccountEvent.objects.create(
        user=user, actor=actor, action=AccountEvent.Action.MFA_RESET, note=reason
    )
    return deleted
