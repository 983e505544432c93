"""The counsellor's day: the admin's first page for office staff.

Today's (or any day's) consultations and sessions in time order with the actions a
counsellor takes on them, the requests waiting for an answer, the alerts and the week's
load, for the offices behind the staff member's wall. Each action is a POST that calls its
service, like the actions of the booking list."""

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User

from .. import services
from ..errors import BookingError
from ..models import Booking, BookingEvent, Counsellor, Office
from ..selectors.day import day_of
from ..selectors.staff import walls_of
from .scoping import within

MARKS = {
    "started": BookingEvent.Action.STARTED,
    "contacted": BookingEvent.Action.CONTACTED,
    "completed": BookingEvent.Action.COMPLETED,
}
NEEDS_REASON = {"undo_no_show", "decline"}


def day_url(**query: object) -> str:
    from urllib.parse import urlencode

    url = reverse("admin:bookings_booking_day")
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def _offices(user: User) -> list[Office]:
    walls = walls_of(user)
    offices = Office.objects.order_by("pk")
    if walls.everywhere:
        return list(offices)
    return list(offices.filter(pk__in=walls.offices_with("bookings.view_booking") or set()))


def start_page(request: HttpRequest) -> HttpResponse | None:
    """Office staff open the admin on their day; the list of records stays one link away."""
    user = request.user
    if not isinstance(user, User) or not user.is_staff:
        return None
    if walls_of(user).everywhere or not _offices(user):
        return None
    return HttpResponseRedirect(day_url())


def day_view(request: HttpRequest, *, model_admin: admin.ModelAdmin) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    offices = _offices(user)
    if not offices:
        raise PermissionDenied
    by_id = {office.pk: office for office in offices}
    chosen = request.GET.get("office", "")
    if walls_of(user).everywhere and not chosen.isdecimal():
        office_ids: set[int] = set()  # a national administrator picks an office first
    elif chosen.isdecimal() and int(chosen) in by_id:
        office_ids = {int(chosen)}
    else:
        office_ids = set(by_id)
    today = timezone.localdate()
    try:
        day = dt.date.fromisoformat(request.GET.get("day", "")) if request.GET.get("day") else today
    except ValueError:
        messages.error(request, _("That is not a date. Today is shown."))
        day = today
    counsellors = list(
        Counsellor.objects.filter(office_id__in=office_ids, is_active=True).order_by(
            "office", "display_name"
        )
    )
    own = getattr(user, "counsellor", None)
    wanted = request.GET.get("counsellor")
    if wanted is None and own is not None and own.office_id in office_ids:
        counsellor_id: int | None = own.pk
    elif wanted and wanted.isdecimal() and int(wanted) in {c.pk for c in counsellors}:
        counsellor_id = int(wanted)
    else:
        counsellor_id = None
    the_day = day_of(office_ids=office_ids, day=day, counsellor_id=counsellor_id)
    query = {
        "office": chosen if chosen in {str(pk) for pk in by_id} else "",
        "day": day.isoformat(),
        "counsellor": counsellor_id if counsellor_id is not None else "",
    }
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Your day"),
        "the_day": the_day,
        "today": today,
        "offices": offices,
        "office_ids": office_ids,
        "chosen_office": query["office"],
        "counsellors": counsellors,
        "counsellor_id": counsellor_id,
        "previous_day": day_url(**{**query, "day": (day - dt.timedelta(days=1)).isoformat()}),
        "next_day": day_url(**{**query, "day": (day + dt.timedelta(days=1)).isoformat()}),
        "here": day_url(**query),
        "all_url": day_url(**{**query, "counsellor": "all"}),
        "opts": Booking._meta,
        "is_today": day == today,
    }
    template = "admin/bookings/day.html"
    if getattr(request, "htmx", False):
        template = "admin/bookings/_day.html"
    response = TemplateResponse(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def act_view(request: HttpRequest, pk: int, *, model_admin: admin.ModelAdmin) -> HttpResponse:
    """One button of a row: started, the person phoned, completed, undo a no-show,
    confirm or decline a request."""
    user = request.user
    assert isinstance(user, User)
    booking = get_object_or_404(
        within(Booking.objects.select_related("slot__office"), user, "bookings.change_booking"),
        pk=pk,
    )
    action = request.POST.get("do", "")
    reason = request.POST.get("reason", "").strip()
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = day_url()
    try:
        if action in MARKS:
            services.record(booking=booking, mark=MARKS[action], actor=user)
        elif action == "confirm":
            services.confirm_booking(booking=booking, actor=user)
        elif action in NEEDS_REASON and not reason:
            raise BookingError(_("Give a reason."), "reason")
        elif action == "undo_no_show":
            services.undo_no_show(booking=booking, actor=user, reason=reason)
        elif action == "decline":
            services.decline_booking(booking=booking, actor=user, reason=reason)
        else:
            raise BookingError(_("Unknown action. Nothing was changed."), "action")
    except BookingError as error:
        messages.error(request, f"{booking.full_name}: {error.message}")
    else:
        messages.success(request, _("%(name)s: done.") % {"name": booking.full_name})
    return HttpResponseRedirect(back)
