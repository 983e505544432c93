"""Counsellors' absences (不在), the list of bookings inside an absence or closure to move,
and the one action that moves them."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.selectors import signed_in_user
from portal.admin_tools import SafeModelAdmin

from .. import services
from ..models import Absence, Booking
from ..selectors.absences import bookings_to_move


def to_move_url() -> str:
    return reverse("admin:bookings_booking_changelist") + "?to_move=yes"


class AbsenceForm(forms.ModelForm):
    """A day (or several), or some hours of one day: left without times, the absence takes
    the whole days."""

    first_day = forms.DateField(
        label=gettext_lazy("first day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=gettext_lazy("last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty for one day."),
    )
    from_time = forms.TimeField(
        label=gettext_lazy("from (time)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy("Leave both times empty for whole days."),
    )
    to_time = forms.TimeField(
        label=gettext_lazy("until (time)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    class Meta:
        model = Absence
        fields = ["counsellor", "reason"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            start = timezone.localtime(self.instance.starts_at)
            end = timezone.localtime(self.instance.ends_at)
            whole = start.time() == dt.time.min and end.time() == dt.time.min
            self.initial.update(
                first_day=start.date(),
                last_day=(end - dt.timedelta(days=1)).date() if whole else end.date(),
                from_time=None if whole else start.time(),
                to_time=None if whole else end.time(),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first = data.get("first_day")
        if first is None:
            return data
        last = data.get("last_day") or first
        start_time, end_time = data.get("from_time"), data.get("to_time")
        if last < first:
            raise forms.ValidationError(_("The last day must not be before the first."))
        if (start_time is None) != (end_time is None):
            raise forms.ValidationError(_("Give both times, or neither for whole days."))
        if start_time is None:
            starts_at = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
            ends_at = timezone.make_aware(
                dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min)
            )
        else:
            assert end_time is not None  # both or neither, checked above
            starts_at = timezone.make_aware(dt.datetime.combine(first, start_time))
            ends_at = timezone.make_aware(dt.datetime.combine(last, end_time))
        if starts_at >= ends_at:
            raise forms.ValidationError(_("An absence must end after it starts."))
        self.instance.starts_at, self.instance.ends_at = starts_at, ends_at
        return data


@admin.register(Absence)
class AbsenceAdmin(SafeModelAdmin):
    form = AbsenceForm
    list_display = ("counsellor", "starts_at", "ends_at", "reason")
    list_filter = ("counsellor",)
    list_select_related = ("counsellor",)
    date_hierarchy = "starts_at"
    fields = ("counsellor", "first_day", "last_day", "from_time", "to_time", "reason")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        own = getattr(request.user, "counsellor", None)
        if own is not None:
            initial.setdefault("counsellor", own.pk)
        return initial

    def save_model(self, request: HttpRequest, obj: Absence, form: Any, change: bool) -> None:
        if not change:
            obj.recorded_by = signed_in_user(request)
        super().save_model(request, obj, form, change)
        tell_cascade(self, request, services.apply_absence(absence=obj))


def tell_cascade(model_admin: admin.ModelAdmin, request: HttpRequest, cascade: Any) -> None:
    """Say what an absence or closure did, with the link to its bookings to move."""
    if cascade.closed:
        model_admin.message_user(
            request,
            ngettext(
                "%(count)s free slot was closed.",
                "%(count)s free slots were closed.",
                cascade.closed,
            )
            % {"count": cascade.closed},
        )
    if cascade.to_move:
        model_admin.message_user(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                ngettext(
                    "%(count)s booking is inside it: move or cancel it.",
                    "%(count)s bookings are inside it: move or cancel them.",
                    cascade.to_move,
                )
                % {"count": cascade.to_move},
                to_move_url(),
                _("Bookings to move"),
            ),
            messages.WARNING,
        )


class ToMoveFilter(admin.SimpleListFilter):
    """Open bookings still to come inside an absence or a closure."""

    title = gettext_lazy("absences and closures")
    parameter_name = "to_move"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Inside an absence or closure: to move"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return bookings_to_move(queryset)
        return queryset


@admin.action(
    description=gettext_lazy(
        "Move to another counsellor at the same time (else ask the person to choose)"
    ),
    permissions=["change"],
)
def move_out_of_absence(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Booking]
) -> None:
    """Each selected booking inside an absence or closure goes to another counsellor's
    free slot at the same time; where there is none, the person is asked to choose."""
    result = services.move_out_of_absences(
        bookings=list(queryset.select_related("slot")), actor=signed_in_user(request)
    )
    for booking, reason in result.refused:
        model_admin.message_user(request, f"{booking}: {reason}", messages.ERROR)
    if result.moved:
        model_admin.message_user(
            request,
            ngettext(
                "%(count)s booking was moved to another counsellor at the same time.",
                "%(count)s bookings were moved to another counsellor at the same time.",
                len(result.moved),
            )
            % {"count": len(result.moved)},
        )
    if result.asked:
        model_admin.message_user(
            request,
            ngettext(
                "%(count)s person was asked to choose a new time (no other counsellor is free "
                "then); the booking stays until they do, or until you cancel it on their behalf.",
                "%(count)s people were asked to choose a new time (no other counsellor is free "
                "then); their bookings stay until they do, or until you cancel them on their "
                "behalf.",
                len(result.asked),
            )
            % {"count": len(result.asked)},
            messages.WARNING,
        )
