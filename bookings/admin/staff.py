"""Staff memberships (who works where, with which role) and suspensions at an office."""

from django.contrib import admin

from portal.admin_tools import SafeModelAdmin

from ..models import StaffMembership, Suspension


@admin.register(StaffMembership)
class StaffMembershipAdmin(SafeModelAdmin):
    list_display = ("user", "office", "role")
    list_filter = ("office", "role")
    search_fields = ("user__email",)
    autocomplete_fields = ["user"]


@admin.register(Suspension)
class SuspensionAdmin(SafeModelAdmin):
    list_display = ("user", "office", "suspended_at", "suspended_by", "lifted_at")
    list_filter = ("office",)
    search_fields = ("user__email",)
    readonly_fields = (
        "user",
        "office",
        "reason",
        "suspended_by",
        "suspended_at",
        "lifted_at",
        "lifted_by",
        "lift_reason",
    )

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # suspensions are made and lifted through their actions, with a reason

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
