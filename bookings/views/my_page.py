"""My Page: a person's bookings, immediate consultations and agreed terms; their data."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache

from accounts.selectors import signed_in_user

from .. import caches, selectors
from ..selectors import export
from ..selectors.waiting import entries_of


@login_required
def my_page(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    parts, ticket = caches.my_page.get(user.pk, get_language())
    if parts is None:
        context = selectors.my_page_lists(user)
        parts = tuple(
            render_to_string(f"bookings/_my_page_{name}.html", context, request=request)
            for name in ("notices", "lists")
        )
        caches.my_page.put(ticket, parts)
    # The cache holds what put() stored above: the two rendered parts.
    notices_html, lists_html = (
        mark_safe(html)  # noqa: S308 - our templates
        for html in cast(tuple[str, str], parts)
    )
    return render(
        request,
        "bookings/my_page.html",
        {
            "notices_html": notices_html,
            "lists_html": lists_html,
            # Not cached: a place in a queue moves as the people ahead leave it.
            "waiting_entries": entries_of(user),
        },
    )


@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Download my own data as JSON."""
    response = JsonResponse(
        export.personal_data(signed_in_user(request)),
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response
