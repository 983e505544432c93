import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.usage import RecordsStaffViews
from portal import crypto
from portal.admin_tools import ReadOnlyTabularInline, action_page, ask_reason

from . import attendance, issuance, reports, rooms, selectors, services, slot_cache
from .models import (
    Booking,
    BookingEvent,
    Counsellor,
    IssuedAccount,
    Office,
    OfficeClosure,
    Room,
    Slot,
    SlotTemplate,
)


def staff_office_ids(request: HttpRequest) -> list[int] | None:
    """The offices a staff member works for; None means every office (superuser)."""
    if request.user.is_superuser:
        return None
    counsellor = getattr(request.user, "counsellor", None)
    return [counsellor.office_id] if counsellor else []


class OfficeScopedAdmin(admin.ModelAdmin):
    """Counsellors see the records of their own office only."""

    office_path = "office"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        offices = staff_office_ids(request)
        if offices is None:
            return queryset
        return queryset.filter(**{f"{self.office_path}__in": offices})


class CounsellorInline(admin.TabularInline):
    model = Counsellor
    extra = 0
    autocomplete_fields = ["user"]


class ClosureInline(admin.TabularInline):
    model = OfficeClosure
    extra = 0


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "phone", "meeting_provider", "slot_mode")
    list_filter = ("kind", "meeting_provider")
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    filter_horizontal = ("terms_documents",)
    inlines = [CounsellorInline, ClosureInline]
    actions = ["generate_open_weeks", "issue_account"]
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
                    "weeks_open",
                    "meeting_provider",
                    "booking_limit",
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

    def get_urls(self):
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
            *super().get_urls(),
        ]

    def reports_view(self, request: HttpRequest) -> HttpResponse:
        """Monthly aggregates per office (no person, no device), with a chart and CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        offices = self.get_queryset(request)
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

    def restrictions_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        office = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_view_permission(request, office):
            raise PermissionDenied
        if request.method == "POST":
            if not self.has_change_permission(request, office) and not getattr(
                request.user, "counsellor", None
            ):
                raise PermissionDenied
            person = get_object_or_404(get_user_model(), pk=request.POST.get("user_id") or 0)
            try:
                attendance.lift_restriction(
                    office=office,
                    user=person,
                    actor=request.user,
                    reason=request.POST.get("reason", ""),
                )
            except services.BookingError as error:
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
                "rows": attendance.restricted_users(office),
                "opts": self.model._meta,
            },
        )

    @admin.action(description=gettext_lazy("Issue an account (user ID and password)…"))
    def issue_account(self, request: HttpRequest, queryset: QuerySet):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one office."), messages.ERROR)
            return None
        office = queryset.get()
        form = IssueForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            letter = issuance.issue_account(
                office=office, actor=request.user, email=form.cleaned_data["email"]
            )
            return letter_response(request, letter)
        return action_page(
            self,
            request,
            [office],
            title=_("Issue an account for %(office)s") % {"office": office},
            form=form,
        )

    @admin.action(description=gettext_lazy("Generate slots for the open weeks"))
    def generate_open_weeks(self, request: HttpRequest, queryset: QuerySet) -> None:
        today = timezone.localdate()
        created = sum(
            services.generate_slots(office=office, start=today, weeks=office.weeks_open)
            for office in queryset
        )
        self.message_user(request, _("%(count)s slots were created.") % {"count": created})


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

    def save(self, commit: bool = True):
        counsellor = super().save(commit=False)
        if self.cleaned_data.get("fixed_passcode"):
            counsellor.fixed_passcode_encrypted = crypto.encrypt(
                self.cleaned_data["fixed_passcode"]
            )
        if commit:
            counsellor.save()
        return counsellor


@admin.register(Counsellor)
class CounsellorAdmin(OfficeScopedAdmin):
    form = CounsellorForm
    list_display = ("display_name", "office", "user", "is_active")
    list_filter = ("office", "is_active")
    search_fields = ("display_name", "user__email")
    autocomplete_fields = ["user"]


@admin.register(SlotTemplate)
class SlotTemplateAdmin(OfficeScopedAdmin):
    list_display = ("office", "counsellor", "weekday", "start_time", "end_time", "kind", "capacity")
    list_filter = ("office", "weekday", "kind")


@admin.register(OfficeClosure)
class OfficeClosureAdmin(OfficeScopedAdmin):
    list_display = ("office", "start_date", "end_date", "every_year", "reason")
    list_filter = ("office", "every_year")


class StartsFilter(admin.SimpleListFilter):
    title = gettext_lazy("date")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [
            ("today", gettext_lazy("Today")),
            ("week", gettext_lazy("This week")),
            ("upcoming", gettext_lazy("Upcoming")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
        field = "slot__starts_at" if queryset.model is Booking else "starts_at"
        if self.value() == "today":
            return queryset.filter(
                **{f"{field}__gte": start, f"{field}__lt": start + dt.timedelta(days=1)}
            )
        if self.value() == "week":
            monday = start - dt.timedelta(days=today.weekday())
            return queryset.filter(
                **{f"{field}__gte": monday, f"{field}__lt": monday + dt.timedelta(days=7)}
            )
        if self.value() == "upcoming":
            return queryset.filter(**{f"{field}__gte": timezone.now()})
        return queryset


@admin.register(Slot)
class SlotAdmin(OfficeScopedAdmin):
    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        slot_cache.changed(obj.office_id)

    def delete_model(self, request, obj) -> None:
        slot_cache.changed(obj.office_id)
        super().delete_model(request, obj)

    list_display = (
        "starts_at",
        "ends_at",
        "office",
        "counsellor",
        "kind",
        "capacity",
        "cancelled_at",
    )
    list_filter = (StartsFilter, "office", "kind")
    date_hierarchy = "starts_at"
    list_select_related = ("office", "counsellor")


class BookingEventInline(ReadOnlyTabularInline):
    model = BookingEvent
    fields = ("at", "action", "actor", "note")


class OverdueFilter(admin.SimpleListFilter):
    """Requests still unconfirmed after 2 business days (K6(3)): the person may phone."""

    title = gettext_lazy("unanswered requests")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("No answer after 2 business days"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(pk__in=[b.pk for b in rooms.overdue_requests()])
        return queryset


class RoomInline(ReadOnlyTabularInline):
    model = Room
    fields = ("provider", "meeting_id", "passcode", "join_url", "created_at", "invalidated_at")

    @admin.display(description=gettext_lazy("passcode"))
    def passcode(self, obj: Room) -> str:
        if obj.invalidated_at is not None or not obj.booking.is_active:
            return "—"
        return crypto.decrypt(obj.passcode_encrypted)


class FollowUpForm(forms.Form):
    slot = forms.ModelChoiceField(queryset=Slot.objects.none(), label=gettext_lazy("Slot"))
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=300)


@admin.register(Booking)
class BookingAdmin(RecordsStaffViews, OfficeScopedAdmin):
    staff_access_what = "booking"
    office_path = "slot__office"
    list_display = (
        "starts_at",
        "office",
        "status",
        "full_name",
        "full_name_kana",
        "phone",
        "interpreter_note",
    )
    list_filter = (StartsFilter, "status", "slot__office", OverdueFilter)
    search_fields = ("full_name", "full_name_kana", "user__email", "job_seeker_number")
    list_select_related = ("slot", "slot__office", "user")
    ordering = ("slot__starts_at",)
    inlines = [RoomInline, BookingEventInline]
    actions = [
        "confirm",
        "decline",
        "cancel_on_behalf",
        "book_follow_up",
        "move",
        "mark_started",
        "mark_completed",
        "mark_contacted",
        "undo_no_show",
        "start_immediate",
    ]
    readonly_fields = [f.name for f in Booking._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # bookings are made by people, or as follow-ups through the action

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("starts at"), ordering="slot__starts_at")
    def starts_at(self, obj: Booking) -> str:
        return timezone.localtime(obj.slot.starts_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=gettext_lazy("office"))
    def office(self, obj: Booking) -> str:
        return obj.slot.office.name

    def _each(self, request, queryset, action, **kwargs) -> None:
        done = 0
        for booking in queryset:
            try:
                action(booking=booking, actor=request.user, **kwargs)
                done += 1
            except services.BookingError as error:
                self.message_user(request, f"{booking}: {error.message}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)s bookings updated.") % {"count": done})

    @admin.action(description=gettext_lazy("Confirm the selected requests"))
    def confirm(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(request, queryset, services.confirm_booking)

    @admin.action(description=gettext_lazy("Decline the selected requests…"))
    def decline(self, request: HttpRequest, queryset: QuerySet):
        return ask_reason(
            self,
            request,
            queryset,
            title=_("Decline requests"),
            on_reason=lambda reason: self._each(
                request, queryset, services.decline_booking, reason=reason
            ),
        )

    @admin.action(description=gettext_lazy("Cancel on the person's behalf (they phoned)…"))
    def cancel_on_behalf(self, request: HttpRequest, queryset: QuerySet):
        return ask_reason(
            self,
            request,
            queryset,
            title=_("Cancel on the person's behalf"),
            on_reason=lambda reason: self._each(
                request, queryset, services.cancel_booking, reason=reason, on_behalf=True
            ),
        )

    def _choose_slot(self, request, queryset, *, title: str, act, done: str):
        """Ask for another free slot of the booking's office, then act(booking, slot, note)."""
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one booking."), messages.ERROR)
            return None
        booking = queryset.get()
        now = timezone.now()
        form = FollowUpForm(request.POST if "confirm" in request.POST else None)
        form.fields["slot"].queryset = selectors.free_slots(
            booking.slot.office, now, now + dt.timedelta(weeks=12), now
        )
        if form.is_bound and form.is_valid():
            try:
                act(booking, form.cleaned_data["slot"], form.cleaned_data["note"])
            except services.BookingError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, done)
            return None
        return action_page(
            self,
            request,
            [booking],
            title=title % {"name": booking.full_name},
            form=form,
            explanation=f"{booking.full_name_kana} · {booking.phone.as_national}",
        )

    @admin.action(description=gettext_lazy("Book a follow-up for this person…"))
    def book_follow_up(self, request: HttpRequest, queryset: QuerySet):
        return self._choose_slot(
            request,
            queryset,
            title=_("Book a follow-up for %(name)s"),
            done=_("The follow-up booking is confirmed."),
            act=lambda booking, slot, note: services.book_follow_up(
                counsellor_user=request.user, user=booking.user, slot_id=slot.pk, note=note
            ),
        )

    def _mark(self, request, queryset, mark: str) -> None:
        def action(*, booking, actor):
            attendance.record(booking=booking, mark=mark, actor=actor)

        self._each(request, queryset, action)

    @admin.action(description=gettext_lazy("Mark as started"))
    def mark_started(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, "started")

    @admin.action(description=gettext_lazy("Mark as completed"))
    def mark_completed(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, "completed")

    @admin.action(description=gettext_lazy("The person phoned"))
    def mark_contacted(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._mark(request, queryset, "contacted")

    @admin.action(description=gettext_lazy("Undo a no-show cancellation…"))
    def undo_no_show(self, request: HttpRequest, queryset: QuerySet):
        return ask_reason(
            self,
            request,
            queryset,
            title=_("Undo a no-show cancellation"),
            on_reason=lambda reason: self._each(
                request, queryset, attendance.undo_no_show, reason=reason
            ),
        )

    @admin.action(description=gettext_lazy("Start an immediate consultation with this person now"))
    def start_immediate(self, request: HttpRequest, queryset: QuerySet):
        counsellor = getattr(request.user, "counsellor", None)
        if counsellor is None or queryset.count() != 1:
            self.message_user(
                request,
                _("Choose one booking of the person; only counsellors can start."),
                messages.ERROR,
            )
            return None
        person = queryset.get().user
        try:
            booking = attendance.start_immediate_consultation(counsellor=counsellor, user=person)
        except services.BookingError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        self.message_user(
            request,
            _(
                "The immediate consultation has started. Call back the registered phone %(phone)s; "
                "the access code is on the booking once the room is ready."
            )
            % {"phone": booking.phone.as_national},
        )
        return HttpResponseRedirect(reverse("admin:bookings_booking_change", args=[booking.pk]))

    @admin.action(description=gettext_lazy("Move to another slot…"))
    def move(self, request: HttpRequest, queryset: QuerySet):
        return self._choose_slot(
            request,
            queryset,
            title=_("Move the booking of %(name)s"),
            done=_("The booking was moved."),
            act=lambda booking, slot, note: services.move_booking(
                booking=booking, slot_id=slot.pk, actor=request.user, reason=note
            ),
        )


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
        self.fields["office"].queryset = offices
        if not self.is_bound:
            today = timezone.localdate()
            self.initial = {"start": today.replace(month=1, day=1), "end": today}

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(gettext_lazy("The first month must not be after the last."))
        return data


class IssueForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail address (optional)"),
        required=False,
        help_text=gettext_lazy("Without one, notices wait in the person's mailbox only."),
    )


def letter_response(request: HttpRequest, letter) -> HttpResponse:
    response = TemplateResponse(
        request,
        "bookings/issued_letter.html",
        {
            "letter": letter,
            "back_url": reverse("admin:bookings_issuedaccount_changelist"),
            "sign_in_url": request.build_absolute_uri(reverse("issued_sign_in")),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@admin.register(IssuedAccount)
class IssuedAccountAdmin(OfficeScopedAdmin):
    list_display = ("login_id", "office", "consultation_id", "issued_at", "revoked_at")
    list_filter = ("office",)
    search_fields = ("user__email", "user__login_id", "consultation_id")
    readonly_fields = ("office", "user", "consultation_id", "issued_at")
    actions = ["reissue"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are issued through the office's "Issue an account" action

    @admin.display(description=gettext_lazy("user ID"))
    def login_id(self, obj: IssuedAccount) -> str:
        return obj.user.login_id or "—"

    @admin.action(description=gettext_lazy("Reissue (lost ID): new user ID and password…"))
    def reissue(self, request: HttpRequest, queryset: QuerySet):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one account."), messages.ERROR)
            return None
        issued = queryset.get()
        if "confirm" in request.POST:
            return letter_response(
                request, issuance.reissue_account(issued=issued, actor=request.user)
            )
        return action_page(
            self,
            request,
            [issued],
            title=_("Reissue the account of %(user)s") % {"user": issued.user},
            explanation=_("The old user ID and password stop working at once."),
            form=forms.Form(),
        )
