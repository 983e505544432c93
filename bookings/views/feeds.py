"""A counsellor's private calendar feed: a secret URL a calendar client subscribes to
without signing in (they cannot), so the URL is the only key. It carries times, booking
numbers and the kind only (bookings.ics)."""

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from .. import ics
from ..models import Counsellor
from ..services.counsellors import calendar_token_hash


@require_safe
def counsellor_feed(request: HttpRequest, token: str) -> HttpResponse:
    counsellor = (
        Counsellor.objects.filter(
            calendar_token=calendar_token_hash(token), is_active=True, user__is_active=True
        )
        .select_related("office")
        .first()
    )
    if counsellor is None:
        raise Http404
    response = HttpResponse(
        ics.counsellor_feed(counsellor), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="consultations.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
