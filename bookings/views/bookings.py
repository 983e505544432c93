"""A person's bookings: applying, the booking's page, joining (after the consultation ID
where the office issues accounts), its calendar file, changing its date and time,
cancelling."""

import datetime as dt
from http import HTTPStatus
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.selectors import profile_for, signed_in_user
from portal.gates import Gate, gated
from portal.jobs import sent_after

from .. import ics, selectors, services
from ..errors import BookingError
from ..forms import BookingForm
from ..models import Booking, Office, Slot
from ..selectors.suspensions import is_suspended_at
from ..services import consultation_ids
from .terms import client_ip, require_current_consent, terms_url_for, to_the_terms


def to_the_booking(request: HttpRequest, booking: Booking) -> HttpResponse:
    """After a booking is made: say whether it is confirmed or a request, and show it."""
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


# A rush of booking POSTs passes BOOKING_GATE_WIDTH at a time per machine (portal.gates);
# the jobs of a booking are sent after its POST has left the gate (portal.jobs).
BOOKING_GATE = Gate("booking")


@sent_after
@gated(BOOKING_GATE)
@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, slug: str, slot_id: int) -> HttpResponse:
    if request.method == "POST":
        return _apply(request, slug, slot_id)
    return _application_form(request, slug, slot_id)


@require_current_consent(first_consent_in_form=True)
def _application_form(request: HttpRequest, slug: str, slot_id: int) -> HttpResponse:
    user = signed_in_user(request)
    office = get_object_or_404(Office, slug=slug)
    slot = get_object_or_404(Slot, pk=slot_id)
    try:
        services.check_slot_is_bookable(slot=slot, office=office)
    except BookingError as error:
        messages.error(request, error.message)
        return redirect(office)
    profile = profile_for(user)
    refusals = selectors.refusals(user, office, slot=slot)
    if refusals:
        return _refused(request, user, office, refusals)
    form = BookingForm(
        office=office,
        slot=slot,
        terms_to_accept=[need.version for need in selectors.missing_consents(user, office, slot)],
        offer_registering=not slot.is_session
        and selectors.may_apply_as_registering(office, profile),
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


def _apply(request: HttpRequest, slug: str, slot_id: int) -> HttpResponse:
    """The application: the seat is checked first under its lock, each rule read once
    (services.applying), the form checked against what was read, then the booking made,
    all in one transaction."""
    user = signed_in_user(request)
    try:
        with services.applying(user=user, slot_id=slot_id, slug=slug) as applying:
            office, slot = applying.office, applying.slot
            if applying.terms_revised:
                return to_the_terms(request, office, revised=True)
            refusals = applying.refusals()
            if refusals:
                return _refused(request, user, office, refusals)
            form = BookingForm(
                request.POST,
                office=office,
                slot=slot,
                terms_to_accept=applying.terms_to_accept,
                offer_registering=applying.offers_registering,
            )
            if form.is_valid():
                booking = services.apply_for(
                    applying,
                    full_name=form.cleaned_data["full_name"],
                    full_name_kana=form.cleaned_data["full_name_kana"],
                    job_seeker_number=form.cleaned_data["job_seeker_number"],
                    phone=applying.profile.phone,
                    interpreter_attending=form.cleaned_data["interpreter_attending"],
                    interpreter_note=form.cleaned_data["interpreter_note"],
                    registering=form.cleaned_data.get("registering", False),
                    acknowledged_versions=form.acknowledged_versions,
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
                return to_the_booking(request, booking)
    except BookingError as error:
        if error.code == "missing":
            raise Http404 from None
        if error.code == "other_office":  # the address names an office: is there one?
            get_object_or_404(Office, slug=slug)
        messages.error(request, error.message)
        return redirect("office_detail", slug=slug)
    context = {"office": office, "slot": slot, "form": form, "profile": applying.profile}
    return render(request, "bookings/book.html", context)


def _refused(
    request: HttpRequest, user: User, office: Office, refusals: list[selectors.Refusal]
) -> HttpResponse:
    """A person the office's rules stop: to the step that supplies what is missing when
    they can add it themselves, else back to the office page with what is about this slot
    (the office page explains the rules of the office)."""
    step = _step_for(refusals, back=request.get_full_path())
    if step:
        messages.info(request, refusals[0].reason)  # why the step is asked
        return redirect(step)
    on_the_page = {refusal.code for refusal in selectors.refusals(user, office)}
    for refusal in refusals:
        if refusal.code not in on_the_page:
            messages.error(request, refusal.reason)
    return redirect(office)


def _step_for(refusals: list[selectors.Refusal], *, back: str) -> str | None:
    """Where a person goes when all that stops their booking is data they can add
    themselves (profile, environment checklist): the first such page, which sends them
    back to `back` (the slot they chose), and so on until nothing is missing."""
    if not all(refusal.step for refusal in refusals):
        return None
    return reverse(refusals[0].step) + "?" + urlencode({"next": back})


def _code_state(booking: Booking, code: object, request: HttpRequest) -> str:
    """What the booking page says in place of the access code: "shown", "consent" (agree
    to revised terms first), "preparing" (confirmed and open, its room not made yet: the
    part polls until it is), "ended", "suspended" or "closed" (not confirmed)."""
    if isinstance(code, selectors.AccessCode):
        return "shown"
    if code == "consent":
        return "consent"
    if booking.status != Booking.Status.CONFIRMED:
        return "closed"
    if booking.slot.ends_at <= timezone.now():
        return "ended"
    if is_suspended_at(signed_in_user(request), booking.slot.office_id):
        return "suspended"
    return "preparing"


@never_cache
@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The booking's page. An htmx request gets only its access-code part, which polls
    while the code is being prepared (without JavaScript, a reload shows it)."""
    user = signed_in_user(request)
    booking = get_object_or_404(user.bookings.select_related("slot", "slot__office"), pk=pk)
    code = selectors.access_code_for(booking=booking, user=user)
    now = timezone.now()
    context: dict[str, object] = {
        "booking": booking,
        "code": code,
        "code_state": _code_state(booking, code, request),
        # Offered only while `cancel_booking` accepts it: up to the start.
        "can_cancel": booking.may_be_cancelled_by_person(now),
        # Offered only while `reschedule_booking` accepts it (selectors.move_refusal).
        "can_change": selectors.move_refusal(booking, now) is None,
        "has_ended": booking.slot.ends_at <= now,
        "needs_consultation_id": consultation_ids.needs_consultation_id(booking),
    }
    if getattr(request, "htmx", False):
        response = render(request, "bookings/_access_code.html", context)
    else:
        if booking.status == Booking.Status.REQUESTED:
            context["answer_by"] = selectors.answer_by(booking)
        response = render(request, "bookings/booking_detail.html", context)
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ["HX-Request"])
    return response


# Bookings whose consultation ID this session has checked: {booking id: issued account id}.
CHECKED_IN_SESSION = "consultation_ids_checked"


def _consultation_id_checked(request: HttpRequest, booking: Booking) -> bool:
    checked = request.session.get(CHECKED_IN_SESSION) or {}
    return consultation_ids.still_checked(
        booking=booking,
        user=signed_in_user(request),
        issued_account_id=checked.get(str(booking.pk)),
    )


@never_cache
@login_required
def booking_join(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the person joined, then open the meeting (its link is never cached).
    Where the office issues accounts, the consultation ID is asked for first (T10(2))."""
    user = signed_in_user(request)
    booking = get_object_or_404(user.bookings.select_related("slot__office"), pk=pk)
    code = selectors.access_code_for(booking=booking, user=user)
    if not isinstance(code, selectors.AccessCode) or not code.join_url:
        messages.error(request, _("The meeting cannot be joined now."))
        return redirect("booking_detail", pk=booking.pk)
    if consultation_ids.needs_consultation_id(booking) and not _consultation_id_checked(
        request, booking
    ):
        return redirect("booking_consultation_id", pk=booking.pk)
    services.record_join(booking=booking)
    response = HttpResponseRedirect(code.join_url)
    response["Cache-Control"] = "no-store"
    return response


class ConsultationIdForm(forms.Form):
    consultation_id = forms.CharField(
        label=gettext_lazy("Consultation ID (面接・相談ID)"),
        max_length=40,
        help_text=gettext_lazy(
            "Small letters and full-width characters are accepted; spaces and hyphens may "
            "be left out."
        ),
        error_messages={"required": gettext_lazy("Enter your consultation ID.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def booking_consultation_id(request: HttpRequest, pk: int) -> HttpResponse:
    """Before joining at an office that issues accounts: the person enters the consultation
    ID from the office's letter (T10(2)); a right one is remembered for the booking in this
    session, and the booking's page offers the join link again.

    Not a redirect to the meeting: the CSP's form-action ('self') also covers the
    redirects that follow a form, and browsers refuse a form sent on to another site."""
    user = signed_in_user(request)
    booking = get_object_or_404(user.bookings.select_related("slot__office"), pk=pk)
    if not consultation_ids.needs_consultation_id(booking) or _consultation_id_checked(
        request, booking
    ):
        return redirect("booking_join", pk=booking.pk)
    code = selectors.access_code_for(booking=booking, user=user)
    if not isinstance(code, selectors.AccessCode) or not code.join_url:
        messages.error(request, _("The meeting cannot be joined now."))
        return redirect("booking_detail", pk=booking.pk)
    office = booking.slot.office
    form = ConsultationIdForm(request.POST if request.method == "POST" else None)
    refusal = ""  # a refusal that a new try cannot change now: no form is shown
    status = HTTPStatus.OK
    if request.method == "POST" and form.is_valid():
        try:
            account = consultation_ids.check_consultation_id(
                booking=booking, user=user, entered=form.cleaned_data["consultation_id"]
            )
        except BookingError as error:
            if error.code == "wrong":
                form.add_error("consultation_id", error.message)
            else:
                refusal = error.message
                if error.code == "locked":
                    status = HTTPStatus.TOO_MANY_REQUESTS
        else:
            checked = dict(request.session.get(CHECKED_IN_SESSION) or {})
            checked[str(booking.pk)] = account.pk
            request.session[CHECKED_IN_SESSION] = checked
            messages.success(
                request,
                _("Your consultation ID is confirmed. Press “%(join)s” to take part.")
                % {"join": _("Join the consultation")},
            )
            return redirect("booking_detail", pk=booking.pk)
    elif request.method == "GET" and consultation_ids.is_locked_out(user=user, office=office):
        refusal = consultation_ids.locked_out(office).message
    response = render(
        request,
        "bookings/consultation_id.html",
        {"booking": booking, "office": office, "form": form, "refusal": refusal},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def booking_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    booking = get_object_or_404(
        signed_in_user(request).bookings.select_related("slot__office"), pk=pk
    )
    response = HttpResponse(
        ics.booking_calendar(booking), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="consultation-{booking.pk}.ics"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    booking = get_object_or_404(user.bookings.select_related("slot", "slot__office"), pk=pk)
    if request.method == "POST":
        try:
            services.cancel_booking(booking=booking, actor=user)
        except BookingError as error:
            messages.error(request, error.message)
            return redirect("booking_detail", pk=booking.pk)
        messages.success(request, _("Your booking was cancelled."))
        return redirect("my_page")
    return render(request, "bookings/booking_cancel.html", {"booking": booking})


def _change_url(booking: Booking, *, week: str = "", slot: str = "") -> str:
    """The change page, with the week shown and the time chosen (so that a person sent to
    agree to revised terms first comes back to the same choice)."""
    query = {key: value for key, value in (("week", week), ("slot", slot)) if value}
    url = reverse("booking_change", kwargs={"pk": booking.pk})
    return f"{url}?{urlencode(query)}" if query else url


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def booking_change(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the date and time of one's own booking (予約の変更): GET shows the office's
    free times in the office page's week view (the person's own counsellor's in continuing
    support), one to choose; POST with `slot` moves the booking there."""
    user = signed_in_user(request)
    booking = get_object_or_404(
        user.bookings.select_related("slot__office", "slot__counsellor"), pk=pk
    )
    office = booking.slot.office
    now = timezone.now()
    refusal = selectors.move_refusal(booking, now)
    if refusal is not None:
        messages.error(request, refusal.message)
        return redirect("booking_detail", pk=booking.pk)
    params = request.POST if request.method == "POST" else request.GET
    week, chosen = params.get("week", "")[:10], params.get("slot", "")[:12]
    if selectors.missing_consents(user, office):
        messages.warning(
            request,
            _(
                "The terms of use have changed. Please read what changed and agree to the new "
                "version; then you come back to change your booking."
            ),
        )
        return redirect(terms_url_for(office, _change_url(booking, week=week, slot=chosen)))
    error = ""
    status = HTTPStatus.OK
    if request.method == "POST":
        if not chosen.isdecimal():
            error = _("Choose the new date and time.")
        else:
            try:
                booking = services.reschedule_booking(
                    booking=booking, user=user, slot_id=int(chosen), now=now
                )
            except BookingError as refused:
                error = refused.message
            else:
                messages.success(
                    request,
                    _("The date and time of your booking were changed.")
                    if booking.status == Booking.Status.CONFIRMED
                    else _(
                        "The date and time of your request were changed. A counsellor will "
                        "confirm it; you will get a message in your mailbox."
                    ),
                )
                return redirect("booking_detail", pk=booking.pk)
        status = HTTPStatus.BAD_REQUEST
    requested = selectors.parse_week(week)
    counsellor_id = selectors.move_counsellor_id(booking)
    support = selectors.support_of(user, office) if counsellor_id is not None else None
    names = office.shows_counsellor_names
    monday, slots = selectors.week_of_free_slots(
        office, requested, now, counsellor_id=counsellor_id, with_counsellors=names
    )
    slots = [
        slot for slot in slots if slot.kind == booking.slot.kind and slot.pk != booking.slot_id
    ]
    days = selectors.slots_by_day(slots, per_counsellor=names)
    if names and counsellor_id is None:
        # Where the office names whose slot each is, the booking's counsellor's come first.
        same = booking.slot.counsellor_id
        days = [(day, sorted(times, key=lambda s: s.counsellor_id != same)) for day, times in days]
    first_monday, last_monday = selectors.open_weeks(office, now)
    response = render(
        request,
        "bookings/booking_change.html",
        {
            "booking": booking,
            "office": office,
            "days": days,
            "chosen": chosen,
            "error": error,
            "moves_left": selectors.moves_left(booking),
            "own_counsellor": support.counsellor if support is not None else None,
            "monday": monday,
            "sunday": monday + dt.timedelta(days=6),
            "previous_week": monday - dt.timedelta(weeks=1) if monday > first_monday else None,
            "next_week": monday + dt.timedelta(weeks=1) if monday < last_monday else None,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response
