from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import check_for_language

from . import services
from .usage import SKIPPED_PREFIXES


class ForcePasswordChangeMiddleware:
    """A person signing in with an initial password issued by staff must choose their own
    before doing anything else."""

    ALLOWED_PREFIXES = ("/accounts/password/change/", "/accounts/logout/", "/static/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(self.ALLOWED_PREFIXES)
        ):
            # Then on to where they were going (a GET), else to My Page.
            then = request.get_full_path() if request.method == "GET" else ""
            if then in ("", "/"):
                then = reverse("my_page")
            return redirect(reverse("account_change_password") + "?" + urlencode({"next": then}))
        return self.get_response(request)


class RememberLanguageMiddleware:
    """Remember on the user the language a signed-in person chose, so that their messages
    and e-mails are written in it.

    The choice is the language cookie: set on this response (Django's set_language view)
    or sent with the request (chosen earlier, e.g. before signing up). Otherwise, for a
    person who never chose, the language the page was shown in (the browser's) is kept if
    it is not the default. One UPDATE when it changes; no query when nothing changed (the
    usage records have loaded the user already, and skip the same paths).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(SKIPPED_PREFIXES):
            return response
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return response
        chosen = self._chosen(request, response)
        if chosen is None and not user.language:
            active = getattr(request, "LANGUAGE_CODE", "")
            chosen = active if active != settings.LANGUAGE_CODE else None
        if chosen and check_for_language(chosen):
            services.remember_language(user=user, language=chosen)
        return response

    @staticmethod
    def _chosen(request, response) -> str | None:
        name = settings.LANGUAGE_COOKIE_NAME
        if name in response.cookies:
            return response.cookies[name].value or None
        return request.COOKIES.get(name) or None
