"""Publishing a date range of slots for every counsellor of an office at once: a dry run
first (what would be created, what is skipped and why), then a confirm button."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import services

MAX_DAYS = 92  # about a quarter: how far ahead an office plans


class PublishForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("first day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=gettext_lazy("last day"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        if first is None or last is None:
            return data
        if first < timezone.localdate():
            raise forms.ValidationError(_("Slots can only be published from today on."))
        if last < first:
            raise forms.ValidationError(_("The last day must not be before the first."))
        if (last - first).days >= MAX_DAYS:
            raise forms.ValidationError(
                _("Publish at most %(days)s days at once.") % {"days": MAX_DAYS}
            )
        return data


@admin.action(
    description=gettext_lazy("Publish slots for a date range (every counsellor)…"),
    permissions=["change"],
)
def publish_slots(model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet):
    """Step 1 asks for the days, step 2 shows the dry run, step 3 (confirm) publishes."""
    if queryset.count() != 1:
        model_admin.message_user(request, _("Choose exactly one office."), messages.ERROR)
        return None
    office = queryset.get()
    bound = "preview" in request.POST or "confirm" in request.POST
    form = PublishForm(request.POST if bound else None)
    plan = None
    if form.is_bound and form.is_valid():
        days = {
            "first_day": form.cleaned_data["first_day"],
            "last_day": form.cleaned_data["last_day"],
        }
        if "confirm" in request.POST:
            done = services.publish_slots(office=office, **days)
            model_admin.message_user(
                request,
                ngettext(
                    "%(count)s slot was published for %(office)s.",
                    "%(count)s slots were published for %(office)s.",
                    len(done.new),
                )
                % {"count": len(done.new), "office": office},
            )
            return None
        plan = services.plan_slots(office=office, **days)
    elif not form.is_bound:
        today = timezone.localdate()
        form.initial = {"first_day": today, "last_day": today + dt.timedelta(days=27)}
    return TemplateResponse(
        request,
        "admin/bookings/publish_slots.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": _("Publish slots: %(office)s") % {"office": office},
            "office": office,
            "form": form,
            "plan": plan,
            "action": request.POST.get("action"),
            "opts": model_admin.model._meta,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )
