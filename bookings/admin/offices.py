"""Offices (with their counsellors and closures), their monthly reports and no-show
restrictions."""

from typing import cast

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import signed_in_user
from portal.admin_tools import SafeModelAdmin, action_page

from .. import selectors, services
from ..errors import BookingError
from ..models import Counsellor, Office, OfficeClosure
from ..selectors import reports
from ..selectors.staff import walls_of
from .absences import tell_cascade
from .immediate import start_immediate_view
from .issued_accounts import IssueForm, letter_response
from .publishing import publish_slots
from .scoping import may_at, within


class CounsellorInline(admin.TabularInline):
    model = Counsellor
    extra = 0
    autocomplete_fields = ["user"]


class ClosureInline(admin.TabularInline):
    model = OfficeClosure
    extra = 0


@admin.register(Office)
class OfficeAdmin(SafeModelAdmin):
    list_display = ("name", "kind", "phone", "meeting_provider", "slot_mode")
    list_filter = ("kind", "meeting_provider")
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    filter_horizontal = ("terms_documents",)
    inlines = [CounsellorInline, ClosureInline]
    actions = ["generate_open_weeks", publish_slots, "issue_account"]
    readonly_fields = ("restrictions_link",)
    fieldsets = (
        (None, {"fields": ("slug", "name", "name_en", "kind", "summary", "summary_en")}),
        (_("Contact"), {"fields": ("phone", "fax", "municipality_codes")}),
        (_("Terms of use"), {"fields": ("terms_documents",)}),
        (
            _("Slot rules"),
            {
                "fields": (
                    "slot_minutes",
                    "slot_mode",
                    "start_times",
                    "window_start",
                    "window_end",
                    "weekdays",
                    "booking_cutoff_days",
                    "booking_cutoff_counts",
                    "closed_at_year_end",
                    "reminder_hour",
                    "weeks_open",
                    "meeting_provider",
                    "booking_limit",
                    "waiting_offer_hours",
                    "move_limit",
                    "shows_counsellor_names",
                )
            },
        ),
        (
            _("Eligibility"),
            {
                "fields": (
                    "requires_job_seeker_number",
                    "requires_residence",
                    "requires_issued_account",
                    "requires_counsellor_confirmation",
                    "accepts_registering",
                    "no_show_limit",
                    "no_show_window_days",
                    "restrictions_link",
                )
            },
        ),
    )

    @admin.display(description=gettext_lazy("restricted people"))
    def restrictions_link(self, obj: Office) -> str:
        if not obj.pk:
            return "—"
        url = reverse("admin:bookings_office_restrictions", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("People restricted for no-shows"))

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is OfficeClosure:
            for closure in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
                tell_cascade(self, request, services.apply_closure(closure=closure))

    def get_urls(self) -> list[URLPattern]:
        return [
            path(
                "reports/",
                self.admin_site.admin_view(self.reports_view),
                name="bookings_office_reports",
            ),
            path(
                "<int:pk>/restrictions/",
                self.admin_site.admin_view(self.restrictions_view),
                name="bookings_office_restrictions",
            ),
            path(
                "<int:pk>/start-immediate/",
                self.admin_site.admin_view(self.start_immediate_view),
                name="bookings_office_start_immediate",
            ),
            *super().get_urls(),
        ]

    def reports_view(self, request: HttpRequest) -> HttpResponse:
        """Monthly aggregates per office (no person, no device), with a chart and CSV."""
        user = signed_in_user(request)
        if not walls_of(user).may("bookings.view_report"):
            raise PermissionDenied
        offices = within(self.get_queryset(request), user, "bookings.view_report")
        form = ReportForm(request.GET or None, offices=offices)
        rows = []
        if form.is_valid():
            chosen = form.cleaned_data["office"]
            rows = reports.monthly(
                offices=[chosen] if chosen else offices,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
            )
            if request.GET.get("format") == "csv":
                response = HttpResponse(
                    reports.to_csv(rows), content_type="text/csv; charset=utf-8"
                )
                response["Content-Disposition"] = 'attachment; filename="report.csv"'
                return response
        return TemplateResponse(
            request,
            "admin/bookings/report.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Monthly report"),
                "form": form,
                "rows": rows,
                "chart": reports.chart(rows),
                "statuses": reports.STATUSES,
                "opts": self.model._meta,
                "csv_query": request.GET.urlencode(),
            },
        )

    def start_immediate_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Start an immediate consultation with one of the office's people (admin.immediate)."""
        return start_immediate_view(self, request, pk)

    def restrictions_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        office = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, office):
            raise PermissionDenied
        if request.method == "POST":
            if not may_at(signed_in_user(request), "bookings.lift_restriction", office):
                raise PermissionDenied
            restricted = {row["user_id"] for row in selectors.restricted_users(office)}
            user_id = request.POST.get("user_id", "")
            if not user_id.isdecimal() or int(user_id) not in restricted:
                raise Http404
            person = get_user_model().objects.get(pk=int(user_id))
            try:
                services.lift_restriction(
                    office=office,
                    user=person,
                    actor=signed_in_user(request),
                    reason=request.POST.get("reason", ""),
                )
            except BookingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, _("The restriction was lifted."))
            return HttpResponseRedirect(request.path)
        return TemplateResponse(
            request,
            "admin/bookings/restrictions.html",
            {
                **self.admin_site.each_context(request),
                "title": _("People restricted for no-shows: %(office)s") % {"office": office},
                "office": office,
                "rows": selectors.restricted_users(office),
                "opts": self.model._meta,
            },
        )

    @admin.action(
        description=gettext_lazy("Issue an account (user ID and password)…"), permissions=["view"]
    )
    def issue_account(self, request: HttpRequest, queryset: QuerySet):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one office."), messages.ERROR)
            return None
        office = queryset.get()
        form = IssueForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            letter = services.issue_account(
                office=office, actor=signed_in_user(request), email=form.cleaned_data["email"]
            )
            return letter_response(request, letter)
        return action_page(
            self,
            request,
            [office],
            title=_("Issue an account for %(office)s") % {"office": office},
            form=form,
        )

    @admin.action(
        description=gettext_lazy("Generate slots for the open weeks"), permissions=["view"]
    )
    def generate_open_weeks(self, request: HttpRequest, queryset: QuerySet) -> None:
        today = timezone.localdate()
        created = sum(
            services.generate_slots(office=office, start=today, weeks=office.weeks_open)
            for office in queryset
        )
        self.message_user(request, _("%(count)s slots were created.") % {"count": created})


@admin.register(OfficeClosure)
class OfficeClosureAdmin(SafeModelAdmin):
    list_display = ("office", "start_date", "end_date", "every_year", "reason")
    list_filter = ("office", "every_year")

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        tell_cascade(self, request, services.apply_closure(closure=obj))


class ReportForm(forms.Form):
    office = forms.ModelChoiceField(
        queryset=Office.objects.none(), required=False, label=gettext_lazy("office")
    )
    start = forms.DateField(
        label=gettext_lazy("from (month)"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    end = forms.DateField(
        label=gettext_lazy("to (month)"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args, offices, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["office"]).queryset = offices
        if not self.is_bound:
            today = timezone.localdate()
            self.initial = {"start": today.replace(month=1, day=1), "end": today}

    def clean(self):
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(gettext_lazy("The first month must not be after the last."))
        return data
