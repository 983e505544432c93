"""A full session's waiting list, for the person: joining and leaving it (forms on the
office's page and My Page), and the page of a seat offered to them (accept or decline)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import signed_in_user
from portal.navigation import safe_next

from .. import services
from ..errors import BookingError
from ..models import Office
from ..selectors.waiting import position_of
from .bookings import to_the_booking
from .terms import client_ip, require_current_consent


@login_required
@require_POST
def waiting_join(request: HttpRequest, slug: str, slot_id: int) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    try:
        entry = services.join_waiting_list(
            user=signed_in_user(request), office=office, slot_id=slot_id
        )
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "You are on the waiting list, number %(position)s. When a seat is free for "
                "you, it is offered to you in your mailbox."
            )
            % {"position": entry.position},
        )
    return redirect(f"{office.get_absolute_url()}#waiting-heading")


@login_required
@require_POST
def waiting_leave(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    entry = get_object_or_404(user.waiting_entries.select_related("slot__office"), pk=pk)
    try:
        services.leave_waiting_list(entry_id=entry.pk, user=user)
    except BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("You have left the waiting list."))
    return redirect(safe_next(request) or entry.slot.office.get_absolute_url())


@never_cache
@login_required
@require_current_consent
@require_http_methods(["GET", "POST"])
def waiting_offer(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """The seat offered to the person (from the mailbox message): accept or decline. The
    consent gate comes first: a person whose consent is missing agrees on the terms page
    and comes back here."""
    user = signed_in_user(request)
    entry = get_object_or_404(
        user.waiting_entries.select_related("slot__office", "booking"),
        pk=pk,
        slot__office__slug=slug,
    )
    if request.method == "POST":
        answer = request.POST.get("answer")
        try:
            if answer == "accept":
                booking = services.accept_offer(
                    entry_id=entry.pk,
                    user=user,
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            elif answer == "decline":
                services.decline_offer(entry_id=entry.pk, user=user)
            else:
                raise BookingError(_("Choose whether you take the seat."), "answer")
        except BookingError as error:
            messages.error(request, error.message)
            return redirect("waiting_offer", slug=slug, pk=entry.pk)
        if answer == "decline":
            messages.success(
                request, _("You declined the seat. It is offered to the next person waiting.")
            )
            return redirect("my_page")
        return to_the_booking(request, booking)
    now = timezone.now()
    is_open = (
        entry.status == entry.Status.OFFERED
        and entry.offer_expires_at is not None
        and now < entry.offer_expires_at
    )
    context = {
        "entry": entry,
        "slot": entry.slot,
        "office": entry.slot.office,
        "is_open": is_open,
        "position": position_of(entry) if entry.is_active else None,
    }
    return render(request, "bookings/waiting_offer.html", context)
