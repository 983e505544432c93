import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from portal.navigation import safe_next
from terms import selectors as terms_selectors
from terms.errors import TermsError
from terms.models import TermsDocument, TermsVersion
from terms.rendering import line_diff, render_markdown

from . import (
    calendar,
    eligibility,
    export,
    ics,
    my_page_cache,
    rooms,
    selectors,
    services,
    slot_cache,
)
from .consent import missing_consents, record_office_consent, require_current_consent
from .forms import BookingForm, ConsentForm, DiffForm
from .models import Booking, Office, Slot


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def home(request: HttpRequest) -> HttpResponse:
    offices = Office.objects.all()
    return render(request, "bookings/home.html", {"offices": offices})


def _open_weeks(office: Office, now) -> tuple[dt.date, dt.date]:
    first_monday = _monday(timezone.localtime(calendar.first_bookable_moment(office, now)))
    return first_monday, first_monday + dt.timedelta(weeks=max(office.weeks_open - 1, 0))


def _monday(day: dt.date | dt.datetime) -> dt.date:
    day = day.date() if isinstance(day, dt.datetime) else day
    return day - dt.timedelta(days=day.weekday())


def _week_slots(request: HttpRequest, office: Office, now) -> tuple[dt.date, list]:
    """The week to show and its free slots: ?week=YYYY-MM-DD kept within the open weeks,
    or by default the first week that has a free slot (so the page never opens on an
    empty week). One query in the common case."""
    first_monday, last_monday = _open_weeks(office, now)
    try:
        monday = _monday(dt.date.fromisoformat(request.GET.get("week", "")))
        explicit = True
    except ValueError:
        monday, explicit = first_monday, False
    monday = min(max(monday, first_monday), last_monday)

    def week(monday: dt.date) -> list:
        start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
        return list(selectors.free_slots(office, start, start + dt.timedelta(weeks=1), now))

    slots = week(monday)
    if not slots and not explicit:
        later = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
        first_free = selectors.free_slots(
            office, later, later + dt.timedelta(weeks=office.weeks_open + 1), now
        ).first()
        if first_free is not None:
            monday = min(_monday(timezone.localtime(first_free.starts_at)), last_monday)
            slots = week(monday)
    return monday, slots


def _slots_html(request: HttpRequest, office: Office, now) -> str:
    """The week of free slots, rendered once per office, week, language and change."""
    try:
        week = dt.date.fromisoformat(request.GET.get("week", "")).isoformat()
    except ValueError:
        week = ""
    cacheable = office.booking_cutoff_days > 0  # otherwise it changes every minute
    html = ticket = None
    if cacheable:
        html, ticket = slot_cache.get(
            office.pk,
            language=get_language(),
            day=timezone.localdate(now).isoformat(),
            week=week,
        )
    if html is None:
        monday, slots = _week_slots(request, office, now)
        first_monday, last_monday = _open_weeks(office, now)
        html = render_to_string(
            "bookings/_slots.html",
            {
                "office": office,
                "days": selectors.slots_by_day(slots),
                "book_prefix": reverse("book", kwargs={"slug": office.slug, "slot_id": 0})[:-2],
                "monday": monday,
                "sunday": monday + dt.timedelta(days=6),
                "previous_week": monday - dt.timedelta(weeks=1) if monday > first_monday else None,
                "next_week": monday + dt.timedelta(weeks=1) if monday < last_monday else None,
            },
            request=request,
        )
        if ticket is not None:
            slot_cache.put(ticket, html)
    return mark_safe(html)  # noqa: S308 - rendered by our own template above


def office_detail(request: HttpRequest, slug: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    now = timezone.now()
    slots_html = _slots_html(request, office, now)
    if request.htmx:
        return HttpResponse(slots_html)
    context = {"office": office, "slots_html": slots_html}
    if request.user.is_authenticated:
        context["refusals"] = eligibility.refusals(request.user, office, now=now)
        context["consent_needs"] = missing_consents(request.user, office)
    return render(request, "bookings/office_detail.html", context)


def _office_document(office: Office, document_slug: str) -> TermsDocument:
    return get_object_or_404(office.terms_documents, slug=document_slug)


def office_terms(request: HttpRequest, slug: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    needs = {need.document.pk: need for need in missing_consents(request.user, office)}
    agreed = (
        terms_selectors.latest_consents(request.user, office.terms_documents.all())
        if request.user.is_authenticated
        else {}
    )
    next_url = safe_next(request) or ""
    documents = []
    for document in office.terms_documents.filter(retired_at__isnull=True):
        current = terms_selectors.version_in_force(document)
        if current is None:
            continue
        documents.append(
            {
                "document": document,
                "current": current,
                "html": render_markdown(current.text),
                "earlier": document.versions.published().filter(number__lt=current.number),
                "upcoming": terms_selectors.upcoming_version(document),
                "need": needs.get(document.pk),
                "consent": agreed.get(document.pk),
                "form": ConsentForm(initial={"version": current.pk, "next": next_url}),
            }
        )
    return render(
        request,
        "bookings/office_terms.html",
        {"office": office, "documents": documents, "next_url": next_url},
    )


def terms_version(request: HttpRequest, slug: str, document: str, number: int) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    doc = _office_document(office, document)
    version = get_object_or_404(doc.versions.published(), number=number)
    current = terms_selectors.version_in_force(doc)
    return render(
        request,
        "bookings/terms_version.html",
        {
            "office": office,
            "document": doc,
            "version": version,
            "current": current,
            "html": render_markdown(version.text),
        },
    )


def terms_diff(request: HttpRequest, slug: str, document: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    doc = _office_document(office, document)
    versions = {v.number: v for v in doc.versions.published().order_by("number")}
    if not versions:
        raise Http404
    numbers = sorted(versions)
    current = terms_selectors.version_in_force(doc) or versions[numbers[-1]]
    default_to = current.number
    default_from = max((n for n in numbers if n < default_to), default=default_to)
    data = {
        "from_number": request.GET.get("from", default_from),
        "to_number": request.GET.get("to", default_to),
    }
    form = DiffForm(data, numbers=numbers)
    if form.is_valid():
        old = versions[form.cleaned_data["from_number"]]
        new = versions[form.cleaned_data["to_number"]]
    else:
        messages.error(request, _("Choose two versions of these terms to compare."))
        old, new = versions[default_from], versions[default_to]
        form = DiffForm({"from_number": old.number, "to_number": new.number}, numbers=numbers)
    changes = list(doc.versions.published().filter(number__gt=old.number, number__lte=new.number))
    return render(
        request,
        "bookings/terms_diff.html",
        {
            "office": office,
            "document": doc,
            "form": form,
            "old": old,
            "new": new,
            "rows": line_diff(old.text, new.text),
            "changes": changes,
        },
    )


@login_required
@require_POST
def consent(request: HttpRequest, slug: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    agreeable = TermsVersion.objects.published().filter(document__offices=office)
    form = ConsentForm(request.POST, versions=agreeable)
    next_url = safe_next(request)
    back = redirect(
        reverse("office_terms", kwargs={"slug": office.slug})
        + (f"?{urlencode({'next': next_url})}" if next_url else "")
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    version = form.cleaned_data["version"]
    try:
        record_office_consent(
            user=request.user,
            office=office,
            version=version,
            ip_address=_client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except TermsError as error:
        messages.error(request, error.message)
        return back
    messages.success(
        request,
        _("You agreed to %(title)s, version %(number)s.")
        % {"title": version.document.display_title, "number": version.number},
    )
    if next_url and not missing_consents(request.user, office):
        return redirect(next_url)
    return back


@login_required
def my_page(request: HttpRequest) -> HttpResponse:
    parts, ticket = my_page_cache.get(request.user.pk, language=get_language())
    if parts is None:
        context = selectors.my_page_lists(request.user)
        parts = tuple(
            render_to_string(f"bookings/_my_page_{name}.html", context, request=request)
            for name in ("notices", "lists")
        )
        my_page_cache.put(ticket, parts)
    notices_html, lists_html = (mark_safe(html) for html in parts)  # noqa: S308 - our templates
    return render(
        request,
        "bookings/my_page.html",
        {"notices_html": notices_html, "lists_html": lists_html},
    )


@login_required
@require_current_consent(first_consent_in_form=True)
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, slug: str, slot_id: int) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    slot = get_object_or_404(Slot, pk=slot_id)
    try:
        services.check_slot_is_bookable(slot=slot, office=office)
    except services.BookingError as error:
        messages.error(request, error.message)
        return redirect(office)
    profile = eligibility.profile_of(request.user)
    refusals = eligibility.refusals(request.user, office)
    if refusals:
        for refusal in refusals:
            messages.error(request, refusal.reason)
        return redirect(office)
    terms_to_accept = [need.version for need in missing_consents(request.user, office)]
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
                    ip_address=_client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except services.BookingError as error:
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
        "code": rooms.access_code_for(booking=booking, user=request.user),
    }
    if booking.status == Booking.Status.REQUESTED:
        context["answer_by"] = rooms.answer_by(booking)
    response = render(request, "bookings/booking_detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def booking_join(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the person joined, then open the meeting (its link is never cached)."""
    booking = get_object_or_404(request.user.bookings.select_related("slot__office"), pk=pk)
    code = rooms.access_code_for(booking=booking, user=request.user)
    if not isinstance(code, rooms.AccessCode) or not code.join_url:
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
        except services.BookingError as error:
            messages.error(request, error.message)
            return redirect("booking_detail", pk=booking.pk)
        messages.success(request, _("Your booking was cancelled."))
        return redirect("my_page")
    return render(request, "bookings/booking_cancel.html", {"booking": booking})


@never_cache
@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """Download my own data as JSON."""
    response = JsonResponse(
        export.personal_data(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response
