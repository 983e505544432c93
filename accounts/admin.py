from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AccountEvent, SignIn, User


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


class AccountEventInline(admin.TabularInline):
    model = AccountEvent
    fk_name = "user"
    fields = ("at", "action", "actor", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class SignInInline(admin.TabularInline):
    model = SignIn
    fields = ("at", "method")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 20

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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

    def _with_reason(self, request, queryset, title, action, callback):
        if "confirm" in request.POST:
            form = ReasonForm(request.POST)
            if form.is_valid():
                for user in queryset:
                    callback(user=user, actor=request.user, reason=form.cleaned_data["reason"])
                self.message_user(request, _t("Done."), messages.SUCCESS)
                return None
        else:
            form = ReasonForm()
        return TemplateResponse(
            request,
            "admin/reason_form.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "objects": queryset,
                "form": form,
                "action": action,
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    @admin.action(description=_("Suspend at once (cancels their bookings)…"))
    def suspend(self, request, queryset):
        return self._with_reason(request, queryset, _t("Suspend"), "suspend", services.suspend_user)

    @admin.action(description=_("Lift the suspension…"))
    def lift_suspension(self, request, queryset):
        return self._with_reason(
            request,
            queryset,
            _t("Lift the suspension"),
            "lift_suspension",
            services.lift_suspension,
        )
