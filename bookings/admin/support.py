"""Continuing support (I2(3)): the individual counsellor an office assigns a person. A
manager assigns (the person and a counsellor of their office: the office wall limits both
choices) and ends an assignment; counsellors see them. A row is never edited or deleted:
it records who assigned and ended it, and when."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.usage import RecordsStaffViews
from portal.admin_tools import SafeModelAdmin

from .. import selectors, services
from ..errors import BookingError
from ..models import ContinuingSupport, Counsellor
from ..selectors.staff import walls_of


class CurrentFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("current", gettext_lazy("Current")), ("ended", gettext_lazy("Ended"))]

    def queryset(self, request, queryset):
        if self.value() == "current":
            return queryset.filter(ended_at__isnull=True)
        if self.value() == "ended":
            return queryset.filter(ended_at__isnull=False)
        return queryset


class AssignForm(forms.ModelForm):
    """The person and their counsellor; the office is the counsellor's."""

    actor: Any = None  # the staff member assigning (set by the admin for each request)

    class Meta:
        model = ContinuingSupport
        fields = ["user", "counsellor"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, counsellor = data.get("user"), data.get("counsellor")
        if user is not None and counsellor is not None and self.actor is not None:
            refusal = selectors.assignment_refusal(
                user=user, counsellor=counsellor, actor=self.actor
            )
            if refusal:
                raise forms.ValidationError(refusal)
            self.instance.office = counsellor.office
        return data


@admin.register(ContinuingSupport)
class ContinuingSupportAdmin(RecordsStaffViews, SafeModelAdmin):
    staff_access_what = "continuing_support"
    form = AssignForm
    list_display = (
        "person",
        "office",
        "counsellor",
        "assigned_at",
        "assigned_by",
        "is_current",
        "ended_at",
        "ended_by",
    )
    list_filter = (CurrentFilter, "office", "counsellor")
    list_select_related = ("user__profile", "office", "counsellor", "assigned_by", "ended_by")
    search_fields = (
        "user__email",
        "user__profile__family_name",
        "user__profile__family_name_kana",
        "counsellor__display_name",
    )
    autocomplete_fields = ["user"]
    actions = ["end_assignment"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_readonly_fields(self, request: HttpRequest, obj: ContinuingSupport | None = None):
        if obj is None:
            return ()
        return (
            "user",
            "office",
            "counsellor",
            "assigned_by",
            "assigned_at",
            "ended_at",
            "ended_by",
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "counsellor":
            # Active counsellors of the offices where the staff member may assign.
            offices = walls_of(request.user).offices_with("bookings.add_continuingsupport")  # type: ignore[arg-type]
            counsellors = Counsellor.objects.filter(is_active=True).select_related("office")
            if offices is not None:
                counsellors = counsellors.filter(office__in=offices)
            kwargs["queryset"] = counsellors
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        # The row is the record of the assignment: nothing on it is edited.
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: ContinuingSupport, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            return  # nothing on an assignment is edited; it is ended with the action
        made = services.assign_counsellor(
            user=obj.user,
            counsellor=obj.counsellor,
            actor=request.user,  # type: ignore[arg-type]
        )
        obj.pk = made.pk
        obj.office = made.office

    @admin.display(description=gettext_lazy("person"), ordering="user__email")
    def person(self, obj: ContinuingSupport) -> str:
        profile = getattr(obj.user, "profile", None)
        name = profile.full_name if profile is not None else ""
        return f"{name} <{obj.user.email}>" if name else obj.user.email

    @admin.display(description=gettext_lazy("current"), boolean=True)
    def is_current(self, obj: ContinuingSupport) -> bool:
        return obj.ended_at is None

    @admin.action(
        description=gettext_lazy("End the assignment (the person books any counsellor again)"),
        permissions=["change"],
    )
    def end_assignment(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for support in queryset.filter(ended_at__isnull=True):
            try:
                services.end_support(support=support, actor=request.user)  # type: ignore[arg-type]
            except BookingError as error:
                self.message_user(request, f"{support}: {error.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("%(count)s assignments ended.") % {"count": done})
