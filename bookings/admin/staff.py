"""Staff memberships (who works where, with which role) and suspensions at an office."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import signed_in_user
from portal.admin_tools import SafeModelAdmin, ask_reason

from .. import services
from ..errors import BookingError
from ..models import StaffMembership, Suspension


@admin.register(StaffMembership)
class StaffMembershipAdmin(SafeModelAdmin):
    list_display = ("user", "office", "role")
    list_filter = ("office", "role")
    search_fields = ("user__email",)
    autocomplete_fields = ["user"]


class SuspensionForm(forms.ModelForm):
    class Meta:
        model = Suspension
        fields = ["user", "office", "reason"]


@admin.register(Suspension)
class SuspensionAdmin(SafeModelAdmin):
    """Office staff suspend from a booking of the person ("Suspend at the office"); a
    national administrator may also add a suspension here, at one office or (office left
    empty) at every office. Suspensions are lifted with a reason, never deleted."""

    form = SuspensionForm
    list_display = ("user", "office", "suspended_at", "suspended_by", "lifted_at")
    list_filter = ("office",)
    search_fields = ("user__email",)
    autocomplete_fields = ["user"]
    actions = ["lift"]

    def get_readonly_fields(self, request: HttpRequest, obj: Suspension | None = None):
        if obj is None:
            return ()
        return (
            "user",
            "office",
            "reason",
            "suspended_by",
            "suspended_at",
            "lifted_at",
            "lifted_by",
            "lift_reason",
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: Suspension | None = None) -> bool:
        return False  # a suspension is evidence: it is lifted, not edited

    def has_delete_permission(self, request: HttpRequest, obj: Suspension | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Suspension, form: forms.ModelForm, change: bool
    ) -> None:
        made = services.suspend_person(
            user=obj.user, office=obj.office, actor=signed_in_user(request), reason=obj.reason
        )
        obj.pk = made.pk

    @admin.action(description=gettext_lazy("Lift the suspension…"), permissions=["view"])
    def lift(self, request: HttpRequest, queryset: QuerySet):
        def apply(reason: str) -> None:
            for suspension in queryset:
                try:
                    services.lift_suspension(
                        suspension=suspension, actor=signed_in_user(request), reason=reason
                    )
                except BookingError as error:
                    self.message_user(request, error.message, messages.ERROR)
                    return
            self.message_user(request, _("The suspension was lifted."))

        return ask_reason(self, request, queryset, title=_("Lift the suspension"), on_reason=apply)
