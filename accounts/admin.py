from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from portal.admin_tools import ReadOnlyTabularInline, ask_reason

from . import services
from .models import AccountEvent, Message, Profile, SignIn, StaffAccess, User
from .usage import RecordsStaffViews


class AccountEventInline(ReadOnlyTabularInline):
    model = AccountEvent
    fk_name = "user"
    fields = ("at", "action", "actor", "note")


class SignInInline(ReadOnlyTabularInline):
    model = SignIn
    fields = ("at", "method")
    max_num = 20


@admin.register(User)
class UserAdmin(RecordsStaffViews, BaseUserAdmin):
    staff_access_what = "user"
    ordering = ("email",)
    list_display = ("email", "login_id", "is_staff", "is_active", "suspended_at", "date_joined")
    list_filter = ("is_staff", "is_active", ("suspended_at", admin.EmptyFieldListFilter))
    search_fields = ("email", "login_id")
    inlines = [AccountEventInline, SignInInline]
    actions = ["suspend", "lift_suspension"]
    readonly_fields = ("suspended_at", "suspension_reason", "login_id", "must_change_password")
    fieldsets = (
        (None, {"fields": ("email", "password", "login_id", "must_change_password")}),
        (_("Suspension"), {"fields": ("suspended_at", "suspension_reason")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def _for_each_with_reason(self, request, queryset, title, service):
        def apply(reason: str) -> None:
            for user in queryset:
                service(user=user, actor=request.user, reason=reason)
            self.message_user(request, _t("Done."), messages.SUCCESS)

        return ask_reason(self, request, queryset, title=title, on_reason=apply)

    def subject_of(self, obj):
        return obj

    @admin.action(description=_("Suspend at once (cancels their bookings)…"))
    def suspend(self, request, queryset):
        return self._for_each_with_reason(request, queryset, _t("Suspend"), services.suspend_user)

    @admin.action(description=_("Lift the suspension…"))
    def lift_suspension(self, request, queryset):
        return self._for_each_with_reason(
            request, queryset, _t("Lift the suspension"), services.lift_suspension
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Profile)
class ProfileAdmin(RecordsStaffViews, ReadOnlyAdmin):
    staff_access_what = "profile"
    list_display = ("user", "family_name", "given_name", "family_name_kana", "municipality_name")
    search_fields = ("user__email", "family_name", "family_name_kana", "job_seeker_number")


@admin.register(Message)
class MessageAdmin(RecordsStaffViews, ReadOnlyAdmin):
    staff_access_what = "message"
    list_display = ("user", "kind", "subject", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("user__email", "subject")
    exclude = ("key",)


@admin.register(StaffAccess)
class StaffAccessAdmin(ReadOnlyAdmin):
    list_display = ("at", "staff", "subject", "what", "object_id")
    list_filter = ("what",)
    search_fields = ("staff__email", "subject__email")
    date_hierarchy = "at"

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
