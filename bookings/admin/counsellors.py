"""Counsellors and their fixed meeting rooms."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

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
    list_display = ("display_name", "office", "user", "is_active")
    list_filter = ("office", "is_active")
    search_fields = ("display_name", "user__email")
    autocomplete_fields = ["user"]

    def save_model(
        self, request: HttpRequest, obj: Counsellor, form: forms.ModelForm, change: bool
    ) -> None:
        super().save_model(request, obj, form, change)
        if form.cleaned_data.get("fixed_passcode"):
            services.set_fixed_passcode(
                counsellor=obj, passcode=form.cleaned_data["fixed_passcode"]
            )
