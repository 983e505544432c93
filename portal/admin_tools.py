"""Shared admin pieces: read-only inlines of records, and the intermediate pages of admin
actions that ask for a reason (or a choice) before acting."""

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _


class ReadOnlyTabularInline(admin.TabularInline):
    """Records shown under their parent and never edited there (events, sign-ins, rooms,
    published versions): every listed field is read-only, nothing is added or deleted."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )


def action_page(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    objects,
    *,
    title: str,
    form: forms.Form,
    template: str = "admin/reason_form.html",
    **context,
) -> TemplateResponse:
    """The page an action shows before it acts; its form posts the action again with
    `confirm` set and the selected objects."""
    return TemplateResponse(
        request,
        template,
        {
            **model_admin.admin_site.each_context(request),
            "title": title,
            "objects": objects,
            "form": form,
            "action": request.POST.get("action"),
            "opts": model_admin.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            **context,
        },
    )


def ask_reason(model_admin, request, queryset, *, title: str, on_reason) -> HttpResponse | None:
    """Ask for a reason; once given, call on_reason(reason) and go back to the list."""
    form = ReasonForm(request.POST if "confirm" in request.POST else None)
    if form.is_bound and form.is_valid():
        on_reason(form.cleaned_data["reason"])
        return None
    return action_page(model_admin, request, queryset, title=title, form=form)
