"""Starting an immediate consultation (臨時的利用（即時相談）, K6の2) in the admin: from a
booking of the person (the booking list's action), or from the person's record among the
office's people with consent on record (the office's page for it), no booking needed.

Only a counsellor of the office starts one; the re-consent gate and the phone lock are the
service's (`services.start_immediate_consultation`)."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.usage import record_staff_access

from .. import selectors, services
from ..errors import BookingError
from ..models import Booking, Counsellor, Office
from .scoping import may_at, within

SEARCH_RESULTS = 20


def counsellor_at(user: User | AnonymousUser, office: Office | int) -> Counsellor | None:
    """The staff member's own (active) counsellor record at the office, if they have one."""
    if not isinstance(user, User):
        return None
    office_id = office if isinstance(office, int) else office.pk
    return (
        Counsellor.objects.filter(user=user, office_id=office_id, is_active=True)
        .select_related("office")
        .first()
    )


def started_message(booking: Booking) -> str:
    return _(
        "The immediate consultation has started. Call back the registered phone %(phone)s; "
        "the access code is on the booking once the room is ready."
    ) % {"phone": booking.phone.as_national}


def start_with(request: HttpRequest, counsellor: Counsellor, person: User) -> Booking | None:
    """Start one now and say so (or why not) in the admin's messages."""
    try:
        booking = services.start_immediate_consultation(counsellor=counsellor, user=person)
    except BookingError as error:
        messages.error(request, error.message)
        return None
    messages.success(request, started_message(booking))
    return booking


class PersonForm(forms.Form):
    person = forms.ModelChoiceField(
        queryset=User.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": gettext_lazy(
                "An immediate consultation cannot be started with this person here: no "
                "consent to this office's terms is on record."
            ),
            "required": gettext_lazy("Choose a person."),
        },
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]


def _rows(request: HttpRequest, office: Office, people: list[User]) -> list[dict[str, Any]]:
    rows = []
    for person in people:
        # Every staff view of a person's data is recorded, searches included.
        record_staff_access(
            staff=request.user, subject=person, what="immediate_search", object_id=person.pk
        )
        rows.append(
            {
                "person": person,
                "profile": getattr(person, "profile", None),
                "needs": selectors.missing_consents(person, office),
            }
        )
    return rows


def start_immediate_view(model_admin: Any, request: HttpRequest, pk: int) -> HttpResponse:
    """admin/bookings/office/<pk>/start-immediate/: search the office's people with consent
    on record, and start an immediate consultation with one of them now."""
    office = get_object_or_404(model_admin.get_queryset(request), pk=pk)
    if not may_at(request.user, "bookings.change_booking", office):  # type: ignore[arg-type]
        raise PermissionDenied
    counsellor = counsellor_at(request.user, office)
    people = within(selectors.immediate_candidates(office), request.user, "accounts.view_user")  # type: ignore[arg-type]
    if request.method == "POST":
        if counsellor is None:
            messages.error(request, _("Only a counsellor of this office can start one."))
            return HttpResponseRedirect(request.path)
        form = PersonForm(request.POST, people=people)
        if not form.is_valid():
            for error in form.errors.get("person", []):
                messages.error(request, str(error))
            return HttpResponseRedirect(request.path)
        booking = start_with(request, counsellor, form.cleaned_data["person"])
        if booking is None:
            return HttpResponseRedirect(request.path)
        return HttpResponseRedirect(reverse("admin:bookings_booking_change", args=[booking.pk]))
    search = request.GET.get("q", "").strip()[:100]
    rows = []
    if counsellor is not None and search:
        found = within(
            selectors.immediate_candidates(office, search),
            request.user,  # type: ignore[arg-type]
            "accounts.view_user",
        )
        rows = _rows(request, office, list(found[:SEARCH_RESULTS]))
    return TemplateResponse(
        request,
        "admin/bookings/start_immediate.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": _("Start an immediate consultation: %(office)s") % {"office": office},
            "office": office,
            "counsellor": counsellor,
            "search": search,
            "rows": rows,
            "limit": SEARCH_RESULTS,
            "opts": model_admin.model._meta,
        },
    )
