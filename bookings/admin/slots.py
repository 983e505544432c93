"""Weekly slot templates and slots (sessions among them: their own length, rules and
terms; staff cancel a session here)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import signed_in_user
from portal.admin_tools import SafeModelAdmin, ask_reason

from .. import caches, services
from ..errors import BookingError
from ..models import Booking, SessionKind, Slot, SlotTemplate
from ..selectors.sessions import session_refusal
from ..selectors.slot_rules import template_refusal
from ..services.waiting_offers import offer_seats_on_commit
from .filters import StartsFilter

SESSION_FIELDS = [
    "description",
    "description_en",
    "participant_notes",
    "participant_notes_en",
    "terms_document",
    "requires_job_seeker_number",
    "requires_confirmation",
    "no_show_applies",
    "kind_limit",
    "meeting_provider",
]


class SlotTemplateForm(forms.ModelForm):
    class Meta:
        model = SlotTemplate
        fields = [
            "office",
            "counsellor",
            "weekday",
            "start_time",
            "end_time",
            "kind",
            "capacity",
            "title",
            "title_en",
            "minutes",
            *SESSION_FIELDS,
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        office, start = data.get("office"), data.get("start_time")
        if office is None or start is None or data.get("weekday") is None:
            return data
        if data.get("kind", SessionKind.CONSULTATION) != SessionKind.CONSULTATION:
            counsellor, document = data.get("counsellor"), data.get("terms_document")
            refusal = session_refusal(
                office,
                counsellor_office_id=counsellor.office_id if counsellor else None,
                end_time=data.get("end_time"),
                terms_document_id=document.pk if document else None,
            )
            if refusal is None and not data.get("title"):
                refusal = _("Give the session a title.")
        else:
            refusal = template_refusal(
                office, weekday=data["weekday"], start=start, end=data.get("end_time")
            )
        if refusal:
            raise forms.ValidationError(refusal)
        return data


@admin.register(SlotTemplate)
class SlotTemplateAdmin(SafeModelAdmin):
    form = SlotTemplateForm
    list_display = ("office", "counsellor", "weekday", "start_time", "end_time", "kind", "capacity")
    list_filter = ("office", "weekday", "kind")


class SlotForm(forms.ModelForm):
    """A slot, or a one-off session: its own start, end (its length), capacity, host and
    rules."""

    class Meta:
        model = Slot
        fields = [
            "office",
            "counsellor",
            "starts_at",
            "ends_at",
            "kind",
            "capacity",
            "title",
            "title_en",
            *SESSION_FIELDS,
            "cancelled_at",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        office, capacity = data.get("office"), data.get("capacity")
        if office is None:
            return data
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and starts_at >= ends_at:
            raise forms.ValidationError(_("A slot ends after it starts."))
        if data.get("kind", SessionKind.CONSULTATION) != SessionKind.CONSULTATION:
            counsellor, document = data.get("counsellor"), data.get("terms_document")
            refusal = session_refusal(
                office,
                counsellor_office_id=counsellor.office_id if counsellor else None,
                terms_document_id=document.pk if document else None,
            )
            if refusal is None and not data.get("title"):
                refusal = _("Give the session a title.")
            if refusal is None and data.get("cancelled_at") and not self.instance.cancelled_at:
                refusal = _(
                    "Cancel a session with the action “Cancel the selected sessions”, so that "
                    "its participants are told."
                )
            if refusal:
                raise forms.ValidationError(refusal)
        if self.instance.pk and capacity is not None:
            taken = (
                Booking.objects.filter(slot=self.instance, status__in=Booking.ACTIVE)
                .order_by("-seat")
                .values_list("seat", flat=True)
                .first()
            )
            if taken is not None and capacity < taken:
                self.add_error(
                    "capacity",
                    _("%(count)s seats are booked: the capacity cannot be lower.")
                    % {"count": taken},
                )
        return data


@admin.register(Slot)
class SlotAdmin(SafeModelAdmin):
    form = SlotForm
    actions = ["cancel_session"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        caches.slot_weeks.changed(obj.office_id)
        if change and "capacity" in form.changed_data:
            offer_seats_on_commit(obj)  # a capacity raise frees seats for the waiting list

    def delete_model(self, request, obj) -> None:
        caches.slot_weeks.changed(obj.office_id)
        super().delete_model(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Slot]:
        return (
            super()
            .get_queryset(request)
            .annotate(taken=Count("bookings", filter=Q(bookings__status__in=Booking.ACTIVE)))
        )

    @admin.display(description=gettext_lazy("seats left"))
    def seats_left(self, obj: Slot) -> int:
        return obj.capacity - getattr(obj, "taken", 0)

    @admin.action(description=gettext_lazy("Cancel the selected sessions…"), permissions=["change"])
    def cancel_session(self, request: HttpRequest, queryset: QuerySet):
        def apply(reason: str) -> None:
            done = 0
            for slot in queryset:
                try:
                    told = services.cancel_session(
                        slot=slot, actor=signed_in_user(request), reason=reason
                    )
                except BookingError as error:
                    self.message_user(request, f"{slot}: {error.message}", messages.ERROR)
                    continue
                done += 1
                self.message_user(
                    request,
                    _("%(session)s was cancelled; %(count)s participants were told.")
                    % {"session": slot, "count": told},
                )
            if not done:
                self.message_user(request, _("No session was cancelled."), messages.WARNING)

        return ask_reason(self, request, queryset, title=_("Cancel sessions"), on_reason=apply)

    list_display = (
        "starts_at",
        "ends_at",
        "office",
        "counsellor",
        "kind",
        "title",
        "capacity",
        "seats_left",
        "cancelled_at",
    )
    list_filter = (StartsFilter, "office", "kind")
    date_hierarchy = "starts_at"
    list_select_related = ("office", "counsellor")
