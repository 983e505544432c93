from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Counsellor, Office


class CounsellorInline(admin.TabularInline):
    model = Counsellor
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "phone", "meeting_provider", "slot_mode")
    list_filter = ("kind", "meeting_provider")
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_en",)}
    inlines = [CounsellorInline]
    fieldsets = (
        (None, {"fields": ("slug", "name", "name_en", "kind", "summary", "summary_en")}),
        (_("Contact"), {"fields": ("phone", "fax", "municipality_codes")}),
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
                )
            },
        ),
    )


@admin.register(Counsellor)
class CounsellorAdmin(admin.ModelAdmin):
    list_display = ("display_name", "office", "user", "is_active")
    list_filter = ("office", "is_active")
    search_fields = ("display_name", "user__email")
    autocomplete_fields = ["user"]
