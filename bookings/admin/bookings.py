"""Bookings: today's and this week's consultations, requests to answer, and every action
a counsellor takes on a booking (each calls its service and is logged)."""

import datetime as dt
from functools import partial
from typing import cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import signed_in_user
from accounts.usage import RecordsStaffViews, record_staff_access
from portal.admin_tools import ReadOnlyTabularInline, SafeModelAdmin, action_page, ask_reason

from .. import selectors, services
from ..errors import BookingError
from ..models import Booking, BookingEvent, Room, Slot
from .absences import ToMoveFilter, move_out_of_absence
from .day import act_view, day_view
from .filters import StartsFilter
from .immediate import counsellor_at, start_with
from .person import person_url, person_view
from .scoping import may_at


class BookingEventInline(ReadOnlyTabularInline):
    model = BookingEvent
    fields = ("at", "action", "actor", "note")


class OverdueFilter(admin.SimpleListFilter):
    """Requests still unconfirmed after 2 business days (K6(3)): the person may phone."""

    title = gettext_lazy("unanswered requests")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Not answered by its answer-by time"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=[b.pk for b in selectors.overdue_requests()])
        return queryset


class RoomInline(ReadOnlyTabularInline):
    """The booking's rooms. The access code itself is behind "show" on its own page, so
    that every look at it is recorded (K6の2(3): read out after calling back)."""

    model = Room
    fields = ("provider", "access_code", "created_at", "invalidated_at")

    @admin.display(description=gettext_lazy("access code"))
    def access_code(self, obj: Room) -> str:
        if obj.invalidated_at is not None or not obj.booking.is_active:
            return "—"
        url = reverse("admin:bookings_booking_access_code", args=[obj.booking_id])
        return format_html('<a href="{}">{}</a>', url, _("Show the access code…"))


class FollowUpForm(forms.Form):
    slot = forms.ModelChoiceField(queryset=Slot.objects.none(), label=gettext_lazy("Slot"))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300)


@admin.register(Booking)
class BookingAdmin(RecordsStaffViews, SafeModelAdmin):
    staff_access_what = "booking"
    list_display = (
        "starts_at",
        "office",
        "status",
        "full_name",
        "full_name_kana",
        "phone",
        "interpreter_note",
        "registering",
    )
    list_filter = (
        StartsFilter,
        "status",
        "slot__office",
        OverdueFilter,
        ToMoveFilter,
        "registering",
    )
    search_fields = ("full_name", "full_name_kana", "user__email", "job_seeker_number")
    list_select_related = ("slot", "slot__office", "user")
    ordering = ("slot__starts_at",)
    inlines = [RoomInline, BookingEventInline]
    actions = [
        "confirm",
        "decline",
        "cancel_on_behalf",
        "book_follow_up",
        "move",
        move_out_of_absence,
        "mark_started",
        "mark_completed",
        "mark_contacted",
        "mark_attended",
        "mark_absent",
        "undo_no_show",
        "start_immediate",
        "suspend_person",
    ]
    readonly_fields = [*(f.name for f in Booking._meta.fields), "person_record"]

    @admin.display(description=gettext_lazy("person's record"))
    def person_record(self, obj: Booking) -> str:
        url = person_url(obj.slot.office_id, obj.user_id)
        return format_html('<a href="{}">{}</a>', url, _("Open the person's record"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # bookings are made by people, or as follow-ups through the action

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "day/",
                self.admin_site.admin_view(partial(day_view, model_admin=self)),
                name="bookings_booking_day",
            ),
            path(
                "<int:pk>/act/",
                self.admin_site.admin_view(partial(act_view, model_admin=self)),
                name="bookings_booking_day_act",
            ),
            path(
                "person/<int:office_id>/<int:user_id>/",
                self.admin_site.admin_view(partial(person_view, model_admin=self)),
                name="bookings_booking_person",
            ),
            path(
                "<int:pk>/access-code/",
                self.admin_site.admin_view(self.access_code_view),
                name="bookings_booking_access_code",
            ),
            *super().get_urls(),
        ]

    def access_code_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """The access code of a booking, for the counsellor to read out after calling the
        person back: shown after a deliberate "show", and each showing is recorded."""
        booking = get_object_or_404(
            self.get_queryset(request).select_related("slot__office", "user"), pk=pk
        )
        if not may_at(signed_in_user(request), "bookings.view_access_code", booking):
            raise PermissionDenied
        code = None
        if request.method == "POST":
            code = selectors.staff_access_code(booking=booking)
            record_staff_access(
                staff=request.user, subject=booking.user, what="access_code", object_id=booking.pk
            )
        response = TemplateResponse(
            request,
            "admin/bookings/access_code.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Access code of %(name)s") % {"name": booking.full_name},
                "booking": booking,
                "shown": request.method == "POST",
                "code": code,
                "opts": self.model._meta,
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("starts at"), ordering="slot__starts_at")
    def starts_at(self, obj: Booking) -> str:
        return timezone.localtime(obj.slot.starts_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=gettext_lazy("office"))
    def office(self, obj: Booking) -> str:
        return obj.slot.office.name

    def _each_with_reason(self, request, queryset, title: str, action, **kwargs):
        """Ask for a reason (the person is told it), then apply `action` to each booking."""
        return ask_reason(
            self,
            request,
            queryset,
            title=title,
            on_reason=lambda reason: self._each(request, queryset, action, reason=reason, **kwargs),
        )

    def _each(self, request, queryset, action, **kwargs) -> None:
        done = 0
        for booking in queryset:
            try:
                action(booking=booking, actor=request.user, **kwargs)
                done += 1
            except BookingError as error:
                self.message_user(request, f"{booking}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)s bookings updated.") % {"count": done})

    @admin.action(description=gettext_lazy("Confirm the selected requests"), permissions=["change"])
    def confirm(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, services.confirm_booking)

    @admin.action(
        description=gettext_lazy("Decline the selected requests…"), permissions=["change"]
    )
    def decline(self, request: HttpRequest, queryset: QuerySet):
        return self._each_with_reason(
            request, queryset, _("Decline requests"), services.decline_booking
        )

    @admin.action(
        description=gettext_lazy("Cancel on the person's behalf (they phoned)…"),
        permissions=["change"],
    )
    def cancel_on_behalf(self, request: HttpRequest, queryset: QuerySet):
        return self._each_with_reason(
            request,
            queryset,
            _("Cancel on the person's behalf"),
            services.cancel_booking,
            on_behalf=True,
        )

    def _choose_slot(self, request, queryset, *, title: str, act, done: str):
        """Ask for another free slot of the booking's office, then act(booking, slot, note)."""
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one booking."), messages.ERROR)
            return None
        booking = queryset.get()
        now = timezone.now()
        form = FollowUpForm(request.POST if "confirm" in request.POST else None)
        cast(forms.ModelChoiceField, form.fields["slot"]).queryset = selectors.free_slots(
            booking.slot.office, now, now + dt.timedelta(weeks=12), now
        )
        if form.is_bound and form.is_valid():
            try:
                act(booking, form.cleaned_data["slot"], form.cleaned_data["note"])
            except BookingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, done)
            return None
        return action_page(
            self,
            request,
            [booking],
            title=title % {"name": booking.full_name},
            form=form,
            explanation=f"{booking.full_name_kana} · {booking.phone.as_national}",
        )

    @admin.action(
        description=gettext_lazy("Book a follow-up for this person…"), permissions=["change"]
    )
    def book_follow_up(self, request: HttpRequest, queryset: QuerySet):
        return self._choose_slot(
            request,
            queryset,
            title=_("Book a follow-up for %(name)s"),
            done=_("The follow-up booking is confirmed."),
            act=lambda booking, slot, note: services.book_follow_up(
                counsellor_user=signed_in_user(request),
                user=booking.user,
                slot_id=slot.pk,
                note=note,
            ),
        )

    def _mark(self, request, queryset, mark: BookingEvent.Action) -> None:
        def action(*, booking, actor):
            services.record(booking=booking, mark=mark, actor=actor)

        self._each(request, queryset, action)

    @admin.action(description=gettext_lazy("Mark as started"), permissions=["change"])
    def mark_started(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, BookingEvent.Action.STARTED)

    @admin.action(description=gettext_lazy("Mark as completed"), permissions=["change"])
    def mark_completed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, BookingEvent.Action.COMPLETED)

    @admin.action(description=gettext_lazy("The person phoned"), permissions=["change"])
    def mark_contacted(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, BookingEvent.Action.CONTACTED)

    @admin.action(
        description=gettext_lazy("Session: mark the selected participants present"),
        permissions=["change"],
    )
    def mark_attended(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, partial(services.mark_attendance, present=True))

    @admin.action(
        description=gettext_lazy("Session: mark the selected participants absent"),
        permissions=["change"],
    )
    def mark_absent(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, partial(services.mark_attendance, present=False))

    @admin.action(description=gettext_lazy("Undo a no-show cancellation…"), permissions=["change"])
    def undo_no_show(self, request: HttpRequest, queryset: QuerySet):
        return self._each_with_reason(
            request, queryset, _("Undo a no-show cancellation"), services.undo_no_show
        )

    @admin.action(
        description=gettext_lazy("Start an immediate consultation with this person now"),
        permissions=["change"],
    )
    def start_immediate(self, request: HttpRequest, queryset: QuerySet):
        """From a booking of the person; without one, from the office's page for it
        (admin.immediate)."""
        selected = queryset.select_related("slot", "user").first()
        counsellor = None
        if selected is not None and queryset.count() == 1:
            counsellor = counsellor_at(request.user, selected.slot.office_id)
        if selected is None or counsellor is None:
            self.message_user(
                request,
                _("Choose one booking of the person; only counsellors of its office can start."),
                messages.ERROR,
            )
            return None
        booking = start_with(request, counsellor, selected.user)
        if booking is None:
            return None
        return HttpResponseRedirect(reverse("admin:bookings_booking_change", args=[booking.pk]))

    @admin.action(description=gettext_lazy("Move to another slot…"), permissions=["change"])
    def move(self, request: HttpRequest, queryset: QuerySet):
        return self._choose_slot(
            request,
            queryset,
            title=_("Move the booking of %(name)s"),
            done=_("The booking was moved."),
            act=lambda booking, slot, note: services.move_booking(
                booking=booking, slot_id=slot.pk, actor=signed_in_user(request), reason=note
            ),
        )

    @admin.action(
        description=gettext_lazy(
            "Suspend this person at the office (cancels their bookings there)…"
        ),
        permissions=["change"],
    )
    def suspend_person(self, request: HttpRequest, queryset: QuerySet):
        def apply(reason: str) -> None:
            done = set()
            for booking in queryset.select_related("user", "slot__office"):
                key = (booking.user_id, booking.slot.office_id)
                if key in done:
                    continue
                try:
                    services.suspend_person(
                        user=booking.user,
                        office=booking.slot.office,
                        actor=signed_in_user(request),
                        reason=reason,
                    )
                except BookingError as error:
                    self.message_user(request, error.message, messages.ERROR)
                    return
                done.add(key)
            self.message_user(
                request,
                _("%(count)s people were suspended at the office.") % {"count": len(done)},
            )

        return ask_reason(
            self, request, queryset, title=_("Suspend at the office"), on_reason=apply
        )
