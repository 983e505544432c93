import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.selectors import signed_in_user
from accounts.usage import RecordsStaffViews
from portal.admin_tools import ReadOnlyTabularInline, SafeModelAdmin, csv_writer

from . import selectors, services
from .errors import TermsError
from .models import Consent, TermsDocument, TermsVersion, VersionStatus
from .rendering import line_diff, render_markdown


class VersionInline(ReadOnlyTabularInline):
    model = TermsVersion
    fields = ("number", "effective_at", "published_at", "change_summary")
    show_change_link = True
    ordering = ("-number",)


@admin.register(TermsDocument)
class TermsDocumentAdmin(SafeModelAdmin):
    list_display = ("title", "slug", "version_in_force", "retired_at")
    search_fields = ("title", "title_en", "slug")
    inlines = [VersionInline]
    actions = ["draft_new_version"]

    @admin.display(description=gettext_lazy("version in force"))
    def version_in_force(self, obj: TermsDocument) -> str:
        version = selectors.version_in_force(obj)
        return _("Version %(number)s") % {"number": version.number} if version else "—"

    @admin.action(description=gettext_lazy("Draft a new version (prefilled from the newest text)"))
    def draft_new_version(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one document."), messages.ERROR)
            return None
        try:
            draft = services.create_draft(
                document=queryset.get(), created_by=signed_in_user(request)
            )
        except TermsError as error:
            self.message_user(request, error.message, messages.ERROR)
            return None
        self.message_user(request, _("A draft was created. Edit its text and summary."))
        return HttpResponseRedirect(reverse("admin:terms_termsversion_change", args=[draft.pk]))


class PublishForm(forms.Form):
    effective_at = forms.DateTimeField(
        label=gettext_lazy("Effective from (Japan time)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        help_text=gettext_lazy("Now or later. Users who agreed to an earlier version are told."),
    )


class VersionStatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return VersionStatus.choices

    def queryset(self, request, queryset):
        status = self.value()
        if status is not None and status in VersionStatus.values:
            return selectors.with_status(queryset, status)
        return queryset


@admin.register(TermsVersion)
class TermsVersionAdmin(SafeModelAdmin):
    list_display = ("document", "number", "status", "effective_at", "published_at")
    list_filter = ("document", VersionStatusFilter)
    actions = ["publish"]
    fields = (
        "document",
        "number",
        "text",
        "change_summary",
        "change_summary_en",
        "text_sha256",
        "created_by",
        "published_at",
        "published_by",
        "effective_at",
        "preview",
        "diff_with_previous",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # drafts are made by the document's "Draft a new version" action

    def has_delete_permission(self, request: HttpRequest, obj: TermsVersion | None = None) -> bool:
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: TermsVersion | None = None):
        frozen = [
            "document",
            "number",
            "text_sha256",
            "created_by",
            "published_at",
            "published_by",
            "effective_at",
            "preview",
            "diff_with_previous",
        ]
        if obj is not None and obj.is_published:
            return [*frozen, "text", "change_summary", "change_summary_en"]
        return frozen

    def get_actions(self, request: HttpRequest, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # published versions are never deleted
        return actions

    @admin.display(description=gettext_lazy("status"))
    def status(self, obj: TermsVersion) -> str:
        return str(selectors.version_status(obj).label)

    @admin.display(description=gettext_lazy("preview"))
    def preview(self, obj: TermsVersion) -> str:
        return format_html('<div class="terms-text">{}</div>', render_markdown(obj.text))

    @admin.display(description=gettext_lazy("changes from the previous version"))
    def diff_with_previous(self, obj: TermsVersion) -> str:
        previous = (
            TermsVersion.objects.published()
            .filter(document=obj.document, number__lt=obj.number)
            .order_by("-number")
            .first()
        )
        if previous is None:
            return _("This is the first version.")
        rows = [row for row in line_diff(previous.text, obj.text) if row.kind in ("add", "del")]
        if not rows:
            return _("No change in the text.")
        return format_html(
            "<table><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td></tr>",
                (("+" if row.kind == "add" else "−", row.text) for row in rows),
            ),
        )

    @admin.action(description=gettext_lazy("Publish the selected draft…"))
    def publish(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one draft to publish."), messages.ERROR)
            return None
        version = queryset.get()
        if version.is_published:
            self.message_user(request, _("This version is already published."), messages.ERROR)
            return None
        if "confirm" in request.POST:
            form = PublishForm(request.POST)
            if form.is_valid():
                try:
                    services.publish_version(
                        version=version,
                        effective_at=form.cleaned_data["effective_at"],
                        published_by=signed_in_user(request),
                    )
                except TermsError as error:
                    self.message_user(request, error.message, messages.ERROR)
                else:
                    self.message_user(
                        request,
                        _("%(version)s is published. Users who agreed before will be told.")
                        % {"version": version},
                        messages.SUCCESS,
                    )
                    return None
        else:
            now = timezone.localtime().replace(second=0, microsecond=0)
            form = PublishForm(initial={"effective_at": now + dt.timedelta(minutes=1)})
        previous = selectors.version_in_force(version.document)
        return TemplateResponse(
            request,
            "admin/terms/publish_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Publish %(version)s") % {"version": version},
                "version": version,
                "previous": previous,
                "form": form,
                "rows": line_diff(previous.text, version.text) if previous else [],
                "opts": self.model._meta,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Consent)
class ConsentAdmin(RecordsStaffViews, SafeModelAdmin):
    staff_access_what = "consent"
    list_display = ("user", "version", "method", "consented_at", "ip_address")
    list_filter = ("version__document", "version", "method", "consented_at")
    search_fields = ("user__email",)
    date_hierarchy = "consented_at"
    actions = ["export_csv"]
    list_select_related = ("user", "version", "version__document")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_actions(self, request: HttpRequest, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description=gettext_lazy("Export the selected consents as CSV"))
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="consents.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 Japanese correctly with a BOM
        writer = csv_writer(response)  # no cell starts a formula (user agents, names)
        writer.writerow(
            [
                "user",
                "document",
                "version",
                "text_sha256",
                "method",
                "consented_at",
                "ip_address",
                "user_agent",
                "name",
            ]
        )
        consents = queryset.select_related("user__profile", "version__document")
        for consent in consents:
            profile = getattr(consent.user, "profile", None)
            writer.writerow(
                [
                    consent.user.email,
                    consent.version.document.slug,
                    consent.version.number,
                    consent.version.text_sha256,
                    consent.method,
                    timezone.localtime(consent.consented_at).isoformat(),
                    consent.ip_address or "",
                    consent.user_agent,
                    profile.full_name if profile else "",
                ]
            )
        return response
