from allauth.usersessions.admin import UserSessionAdmin
from allauth.usersessions.models import UserSession
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_tools import ReadOnlyTabularInline, ask_reason

from . import staff_security
from .models import AccountEvent, Message, Profile, SignIn, StaffAccess, User
from .selectors import signed_in_user
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
    list_display = ("email", "login_id", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_active")
    search_fields = ("email", "login_id")
    inlines = [AccountEventInline, SignInInline]
    readonly_fields = ("login_id", "must_change_password")
    fieldsets = (
        (None, {"fields": ("email", "password", "login_id", "must_change_password")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    actions = ["reset_second_factor"]

    def subject_of(self, obj):
        return obj

    def has_reset_second_factor_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser  # national administrators only

    @admin.action(
        description=_("Reset the second factor (a lost phone or key)…"),
        permissions=["reset_second_factor"],
    )
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        def apply(reason: str) -> None:
            for user in queryset:
                staff_security.reset_second_factor(
                    user=user, actor=signed_in_user(request), reason=reason
                )
            self.message_user(request, gettext("The second factor was reset."), messages.SUCCESS)

        return ask_reason(
            self, request, queryset, title=gettext("Reset the second factor"), on_reason=apply
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


# allauth's session list searches a `username` our user model does not have (a search
# answered 500): search by e-mail address and IP address instead.
admin.site.unregister(UserSession)


@admin.register(UserSession)
class PortalUserSessionAdmin(UserSessionAdmin):
    search_fields = ("user__email", "ip")
