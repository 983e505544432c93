"""A person's bookings: applying, the booking's page, joining, its calendar file,
cancelling."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.selectors import profile_for

from .. import ics, selectors, services
from ..errors import BookingError
from ..forms import BookingForm
from ..models import Booking, Office, Slot
from .terms import client_ip, require_current_consent


@login_required
@require_current_consent(first_consent_in_form=True)
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, slug: str, slot_id: int) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    slot = get_object_or_404(Slot, pk=slot_id)
    try:
        services.check_slot_is_bookable(slot=slot, office=office)
    except BookingError as error:
        messages.error(request, error.message)
        return redirect(office)
    profile = profile_for(request.user)
    refusals = selectors.refusals(request.user, office)
    if refusals:
        for refusal in refusals:
            messages.error(request, refusal.reason)
        return redirect(office)
    terms_to_accept = [need.version for need in selectors.missing_consents(request.user, office)]
    if request.method == "POST":
        form = BookingForm(request.POST, office=office, terms_to_accept=terms_to_accept)
        if form.is_valid():
            try:
                booking = services.create_booking(
                    user=request.user,
                    office=office,
                    slot_id=slot.pk,
                    full_name=form.cleaned_data["full_name"],
                    full_name_kana=form.cleaned_data["full_name_kana"],
                    job_seeker_number=form.cleaned_data["job_seeker_number"],
                    phone=profile.phone,
                    interpreter_attending=form.cleaned_data["interpreter_attending"],
                    interpreter_note=form.cleaned_data["interpreter_note"],
                    acknowledged_versions=form.acknowledged_versions,
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except BookingError as error:
                messages.error(request, error.message)
                return redirect(office)
            if booking.status == Booking.Status.CONFIRMED:
                messages.success(request, _("Your booking is confirmed."))
            else:
                messages.success(
                    request,
                    _(
                        "Your request was sent. A counsellor will confirm it; you will get a "
                        "message in your mailbox."
                    ),
                )
            return redirect("booking_detail", pk=booking.pk)
    else:
        form = BookingForm(
            office=office,
            terms_to_accept=terms_to_accept,
            initial={
                "full_name": profile.full_name,
                "full_name_kana": profile.full_name_kana,
                "job_seeker_number": profile.job_seeker_number,
            },
        )
    return render(
        request,
        "bookings/book.html",
        {"office": office, "slot": slot, "form": form, "profile": profile},
    )


@never_cache
@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(request.user.bookings.select_related("slot", "slot__office"), pk=pk)
    context = {
        "booking": booking,
        "code": selectors.access_code_for(booking=booking, user=request.user),
    }
    if booking.status == Booking.Status.REQUESTED:
        context["answer_by"] = selectors.answer_by(booking)
    response = render(request, "bookings/booking_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def booking_join(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the person joined, then open the meeting (its link is never cached)."""
    booking = get_object_or_404(request.user.bookings.select_related("slot__office"), pk=pk)
    code = selectors.access_code_for(booking=booking, user=request.user)
    if not isinstance(code, selectors.AccessCode) or not code.join_url:
        messages.error(request, _("The meeting cannot be joined now."))
        return redirect("booking_detail", pk=booking.pk)
    services.record_join(booking=booking)
    response = HttpResponseRedirect(code.join_url)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def booking_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(request.user.bookings.select_related("slot__office"), pk=pk)
    response = HttpResponse(
        ics.booking_calendar(booking), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="consultation-{booking.pk}.ics"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(request.user.bookings.select_related("slot", "slot__office"), pk=pk)
    if request.method == "POST":
        try:
            services.cancel_booking(booking=booking, actor=request.user)
        except BookingError as error:
            messages.error(request, error.message)
            return redirect("booking_detail", pk=booking.pk)
        messages.success(request, _("Your booking was cancelled."))
        return redirect("my_page")
    return render(request, "bookings/booking_cancel.html", {"booking": booking})
