"""Weekly slot templates and slots."""

from typing import Any

from django import forms
from django.contrib import admin

from portal.admin_tools import SafeModelAdmin

from .. import caches
from ..models import Slot, SlotTemplate
from ..selectors.slot_rules import template_refusal
from ..services.waiting_offers import offer_seats_on_commit
from .filters import StartsFilter


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
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        office, start = data.get("office"), data.get("start_time")
        if office is not None and start is not None and data.get("weekday") is not None:
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


@admin.register(Slot)
class SlotAdmin(SafeModelAdmin):
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        caches.slot_weeks.changed(obj.office_id)
        if change and "capacity" in form.changed_data:
            offer_seats_on_commit(obj)  # a capacity raise frees seats for the waiting list

    def delete_model(self, request, obj) -> None:
        caches.slot_weeks.changed(obj.office_id)
        super().delete_model(request, obj)

    list_display = (
        "starts_at",
        "ends_at",
        "office",
        "counsellor",
        "kind",
        "capacity",
        "cancelled_at",
    )
    list_filter = (StartsFilter, "office", "kind")
    date_hierarchy = "starts_at"
    list_select_related = ("office", "counsellor")
