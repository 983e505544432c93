"""A person's record for an office's staff (admin/bookings/booking/person/<office>/<user>/):
the person's bookings at this office, consents to its documents, its messages to them,
no-show restriction, suspension and continuing support, with the actions taken from it.

Behind the office wall: only an office where the staff member holds `bookings.view_booking`,
and only one of that office's people; anything else is a 404. Every look is recorded, and
every action is refused where the role at the office lacks its permission."""

from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.usage import record_staff_access

from .. import services
from ..errors import BookingError
from ..models import Booking, Office
from ..selectors.person import is_person_of, person_record
from ..selectors.staff import walls_of
from .immediate import counsellor_at, start_with

ACTIONS = ("suspend", "lift", "immediate")


def person_url(office_id: int, user_id: int) -> str:
    return reverse("admin:bookings_booking_person", args=[office_id, user_id])


def _walled(request: HttpRequest, office_id: int, user_id: int) -> tuple[User, Office, User]:
    staff = request.user
    if not isinstance(staff, User) or not walls_of(staff).may("bookings.view_booking", office_id):
        raise Http404
    office = get_object_or_404(Office, pk=office_id)
    if not is_person_of(office_id, user_id):
        raise Http404
    return staff, office, get_object_or_404(User, pk=user_id)


def person_view(
    request: HttpRequest, office_id: int, user_id: int, *, model_admin: admin.ModelAdmin
) -> HttpResponse:
    staff, office, person = _walled(request, office_id, user_id)
    if request.method == "POST":
        _act(request, staff, office, person)
        return HttpResponseRedirect(person_url(office.pk, person.pk))
    record = person_record(office=office, person=person)
    record_staff_access(staff=staff, subject=person, what="person_record", object_id=person.pk)
    walls = walls_of(staff)
    now = timezone.now()
    response = TemplateResponse(
        request,
        "admin/bookings/person.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": _("Person's record: %(name)s") % {"name": record.full_name or record.email},
            "record": record,
            "office": office,
            "rows": [
                {
                    "booking": booking,
                    "open_confirmed": booking.status == Booking.Status.CONFIRMED
                    and booking.slot.ends_at >= now,
                }
                for booking in record.bookings
            ],
            "may_suspend": walls.may("bookings.suspend_person", office.pk),
            "may_change": walls.may("bookings.change_booking", office.pk),
            "counsellor": counsellor_at(staff, office),
            "opts": Booking._meta,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


def _act(request: HttpRequest, staff: User, office: Office, person: User) -> None:
    action = request.POST.get("do", "")
    reason = request.POST.get("reason", "").strip()
    walls = walls_of(staff)
    try:
        if action not in ACTIONS:
            raise BookingError(_("Unknown action. Nothing was changed."), "action")
        if action in ("suspend", "lift"):
            if not walls.may("bookings.suspend_person", office.pk):
                raise BookingError(str(NOT_ALLOWED), "permission")
            if not reason:
                raise BookingError(_("Give a reason."), "reason")
        if action == "suspend":
            services.suspend_person(user=person, office=office, actor=staff, reason=reason)
            messages.success(request, _("The person is suspended at this office."))
        elif action == "lift":
            suspension = person.suspensions.filter(office=office, lifted_at__isnull=True).first()
            if suspension is None:
                raise BookingError(_("The person is not suspended at this office."), "state")
            services.lift_suspension(suspension=suspension, actor=staff, reason=reason)
            messages.success(request, _("The suspension at this office is lifted."))
        else:
            counsellor = counsellor_at(staff, office)
            if counsellor is None or not walls.may("bookings.change_booking", office.pk):
                raise BookingError(_("Only a counsellor of this office can start one."), "role")
            start_with(request, counsellor, person)
    except BookingError as error:
        messages.error(request, error.message)


NOT_ALLOWED = gettext_lazy("Your role at this office does not allow this.")
