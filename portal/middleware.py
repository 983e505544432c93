"""Requests no page can mean are answered before any view, form or query sees them."""

import logging
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, QueryDict, UnreadablePostError
from django.shortcuts import render

logger = logging.getLogger(__name__)

NUL = "\x00"


def _has_nul(params: QueryDict) -> bool:
    return any(
        NUL in key or any(NUL in value for value in values) for key, values in params.lists()
    )


def _has_nul_in_text(items) -> bool:
    return any(NUL in key or NUL in value for key, value in items if isinstance(value, str))


def has_nul_byte(request: HttpRequest) -> bool:
    """A NUL byte (also sent as %00, which Django decodes to "\\x00") in the path, a query
    parameter, a cookie, a header (the user agent is kept with a consent), a form field or
    an uploaded file's field name.

    No text the portal keeps may hold one: PostgreSQL refuses it in text (a 500 wherever
    it reaches a query), and on SQLite it would be stored."""
    if NUL in request.path or _has_nul(request.GET):
        return True
    if _has_nul_in_text(request.COOKIES.items()) or _has_nul_in_text(request.headers.items()):
        return True
    if request.method == "POST":
        # Parsing the form here is what CsrfViewMiddleware does next anyway; a body that is
        # not a form (JSON) is not parsed and is left to its view.
        try:
            return _has_nul(request.POST) or any(NUL in name for name in request.FILES)
        except UnreadablePostError:
            return False  # the client went away; CsrfViewMiddleware answers it
    return False


class RejectBadInput:
    """Answer 400 with a short translated page, before any view runs, to a request that
    carries a NUL byte anywhere in its path, parameters, cookies or headers. Placed right
    after LocaleMiddleware, so the page is in the person's language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul_byte(request):
            logger.info("refused a NUL byte: %s %r", request.method, request.path[:200])
            return render(request, "400.html", status=HTTPStatus.BAD_REQUEST)
        return self.get_response(request)
