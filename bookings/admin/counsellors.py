"""Counsellors and their fixed meeting rooms."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import dates
from portal.admin_tools import SafeModelAdmin

from .. import services
from ..models import Counsellor


class CounsellorForm(forms.ModelForm):
    fixed_passcode = forms.CharField(
        label=gettext_lazy("fixed room: passcode"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Stored encrypted. Leave empty to keep the current one."),
    )

    class Meta:
        model = Counsellor
        fields = [
            "user",
            "office",
            "display_name",
            "is_active",
            "fixed_meeting_id",
            "fixed_join_url",
        ]


@admin.register(Counsellor)
class CounsellorAdmin(SafeModelAdmin):
    form = CounsellorForm
    list_display = ("display_name", "office", "user", "is_active", "fixed_room_exposed_at")
    list_filter = ("office", "is_active")
    search_fields = ("display_name", "user__email")
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request: HttpRequest, obj: Counsellor | None = None):
        fixed = ("fixed_room_notice",)
        if request.user.is_superuser:
            return fixed
        return ("user", "office", *fixed)  # who and where: national administrators decide

    @admin.display(description=gettext_lazy("fixed room"))
    def fixed_room_notice(self, obj: Counsellor) -> str:
        if obj.fixed_room_exposed_at is None:
            return "—"
        return _(
            "Change your fixed room's passcode: since %(when)s a person whose booking was "
            "cancelled still knows it. Enter the new passcode below; your other open "
            "bookings get it in their mailbox."
        ) % {"when": dates.jdatetime(obj.fixed_room_exposed_at)}

    def save_model(
        self, request: HttpRequest, obj: Counsellor, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("fixed_passcode"):
            resent = services.set_fixed_passcode(
                counsellor=obj, passcode=form.cleaned_data["fixed_passcode"]
            )
            if resent:
                self.message_user(
                    request,
                    _("The new access code goes to %(count)s open bookings.") % {"count": resent},
                )
