"""Counsellors and their fixed meeting rooms."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
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
    actions = ["rotate_calendar_url", "revoke_calendar_url"]

    def get_readonly_fields(self, request: HttpRequest, obj: Counsellor | None = None):
        fixed = ("fixed_room_notice", "calendar_feed")
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

    @admin.display(description=gettext_lazy("calendar feed"))
    def calendar_feed(self, obj: Counsellor) -> str:
        if obj.calendar_token:
            return _(
                "On. The URL was shown once when it was made; make a new one from the list "
                "of counsellors if it is lost (the old one stops working)."
            )
        return _("Off")

    @admin.action(
        description=gettext_lazy("Make a new calendar URL (the old one stops working)…"),
        permissions=["change"],
    )
    def rotate_calendar_url(self, request: HttpRequest, queryset: QuerySet[Counsellor]) -> None:
        for counsellor in queryset:
            token = services.rotate_calendar_token(counsellor=counsellor)
            url = request.build_absolute_uri(reverse("counsellor_feed", kwargs={"token": token}))
            self.message_user(
                request,
                _(
                    "The calendar URL of %(name)s (shown only now; subscribe to it in your "
                    "calendar and keep it secret): %(url)s"
                )
                % {"name": counsellor.display_name, "url": url},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("Turn the calendar URL off"), permissions=["change"])
    def revoke_calendar_url(self, request: HttpRequest, queryset: QuerySet[Counsellor]) -> None:
        for counsellor in queryset:
            services.revoke_calendar_token(counsellor=counsellor)
        self.message_user(
            request,
            _("The calendar URL is off for %(count)s counsellors.") % {"count": len(queryset)},
            messages.SUCCESS,
        )

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
