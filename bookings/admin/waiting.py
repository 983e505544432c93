"""The waiting lists of full sessions, for staff: read only (people join, leave and answer
offers themselves; the services move the queue). Behind the office wall like every
admin page (`scoping.WALLS`)."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from portal.admin_tools import SafeModelAdmin

from ..models import WaitingEntry
from ..selectors.waiting import position_in_queue


@admin.register(WaitingEntry)
class WaitingEntryAdmin(SafeModelAdmin):
    list_display = (
        "slot",
        "position",
        "user",
        "status",
        "joined_at",
        "offered_at",
        "offer_expires_at",
        "ended_at",
    )
    list_filter = ("status", "slot__office", "slot")
    list_select_related = ("slot", "slot__office", "user")
    ordering = ("slot__starts_at", "slot", "pk")
    fields = (
        "slot",
        "user",
        "status",
        "joined_at",
        "offered_at",
        "offer_expires_at",
        "ended_at",
        "booking",
        "close_reason",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[WaitingEntry]:
        return super().get_queryset(request).annotate(queue_position=position_in_queue())

    @admin.display(description=gettext_lazy("place in the queue"))
    def position(self, obj: WaitingEntry) -> int | str:
        if not obj.is_active:
            return "—"
        return getattr(obj, "queue_position", "—")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WaitingEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: WaitingEntry | None = None) -> bool:
        return False
