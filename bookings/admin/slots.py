"""Weekly slot templates and slots."""

from django.contrib import admin

from portal.admin_tools import SafeModelAdmin

from .. import caches
from ..models import Slot, SlotTemplate
from .filters import StartsFilter


@admin.register(SlotTemplate)
class SlotTemplateAdmin(SafeModelAdmin):
    list_display = ("office", "counsellor", "weekday", "start_time", "end_time", "kind", "capacity")
    list_filter = ("office", "weekday", "kind")


@admin.register(Slot)
class SlotAdmin(SafeModelAdmin):
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        caches.slot_weeks.changed(obj.office_id)

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
