"""Shared admin pieces: the base of every ModelAdmin (bad input answered cleanly, never a
500), CSV exports no spreadsheet runs as formulas, read-only inlines of records, and the
intermediate pages of admin actions that ask for a reason (or a choice) before acting."""

import datetime as dt
from collections.abc import Callable

from defusedcsv import csv as defused_csv
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# Cells a spreadsheet may read as a formula begin with one of these (OWASP's list, plus the
# `|` and `%` defusedcsv also escapes).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "|", "%")


class _SafeCsvWriter:
    """defusedcsv's writer, which quotes cells beginning with = + - @ | %, and also quotes
    cells beginning with a tab or a carriage return (spreadsheets may strip those and then
    read the rest as a formula)."""

    def __init__(self, file, **options):
        self._writer = defused_csv.writer(file, **options)

    @staticmethod
    def _cell(value):
        if isinstance(value, str) and value[:1] in ("\t", "\r"):
            return "'" + value
        return value

    def writerow(self, row):
        return self._writer.writerow([self._cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(file, **options) -> _SafeCsvWriter:
    """The CSV writer for every export: `csv_writer(response).writerow([...])`."""
    return _SafeCsvWriter(file, **options)


def _date_range_is_valid(year: str, month: str | None, day: str | None) -> bool:
    """The range the admin's date hierarchy would filter on (as Django computes it) exists,
    in this time zone and in UTC."""
    try:
        start = dt.datetime(int(year), int(month or 1), int(day or 1))
        if day:
            end = start + dt.timedelta(days=1)
        elif month:
            end = (start + dt.timedelta(days=32)).replace(day=1)
        else:
            end = start.replace(year=start.year + 1)
        if settings.USE_TZ:
            for moment in (start, end):
                timezone.make_aware(moment).astimezone(dt.UTC)
    except (ValueError, OverflowError, TypeError):
        return False
    return True


def date_hierarchy_is_valid(params: QueryDict, field: str) -> bool:
    """`<field>__year`, `__month` and `__day` of a changelist's query string name a real
    year, month or day (Django reads the last value of each, so does this)."""
    year, month, day = (params.getlist(f"{field}__{part}") for part in ("year", "month", "day"))
    if not year:
        return not month and not day  # a month or day without a year names no date
    return _date_range_is_valid(year[-1], month[-1] if month else None, day[-1] if day else None)


class SafeInputAdminMixin:
    """Bad input in the admin gets a clear message and changes nothing; never a 500.

    - A changelist whose filters Django cannot apply (a date-hierarchy year such as
      99999999999, month 13, 31 February; a number too large for the database; a value of
      the wrong type) goes back to the whole list with a message saying so.
    - An action on selected rows runs only when every selected id is a valid primary key
      of the model and names a row of the list the staff member sees (so not another
      office's row either); otherwise nothing runs and a message says why.
    """

    def get_changelist_instance(self, request: HttpRequest):
        field = getattr(self, "date_hierarchy", None)
        try:
            if field and not date_hierarchy_is_valid(request.GET, field):
                raise IncorrectLookupParameters("no such date")
            try:
                return super().get_changelist_instance(request)  # type: ignore[misc]
            except OverflowError as error:  # e.g. an id beyond SQLite's 64-bit integers
                raise IncorrectLookupParameters(error) from error
        except IncorrectLookupParameters:
            request._portal_bad_list_params = True  # type: ignore[attr-defined]
            self.message_user(  # type: ignore[attr-defined]
                request,
                gettext("The list cannot be filtered that way, so all entries are shown."),
                messages.ERROR,
            )
            raise

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        if (
            getattr(request, "_portal_bad_list_params", False)
            and ERROR_FLAG in request.GET
            and set(request.GET) - {ERROR_FLAG}
        ):
            # Django shows "Database error" when the list it redirected to (`?e=1`) fails
            # again. Bad parameters typed after `?e=1` are not that: show the plain list.
            # (`?e=1` alone failing is left to Django, so this never loops.)
            return HttpResponseRedirect(request.path)
        return response

    def selected_pks(self, request: HttpRequest) -> list | None:
        """The selected ids of an action, as primary-key values; None when one is not."""
        pk_field = self.model._meta.pk  # type: ignore[attr-defined]
        values = []
        for raw in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            try:
                value = pk_field.to_python(raw)
                pk_field.run_validators(value)
            except (ValidationError, ValueError, TypeError, OverflowError):
                return None
            if value is None:
                return None
            values.append(value)
        return values

    def response_action(self, request: HttpRequest, queryset, *args, **kwargs):
        pks = self.selected_pks(request)
        if pks is None:
            self.message_user(  # type: ignore[attr-defined]
                request,
                gettext("The selection was not understood. Nothing was changed."),
                messages.ERROR,
            )
            return None
        select_across = forms.BooleanField(required=False).clean(request.POST.get("select_across"))
        if pks and not select_across and queryset.filter(pk__in=pks).count() != len(set(pks)):
            self.message_user(  # type: ignore[attr-defined]
                request,
                gettext(
                    "Some of the selected entries do not exist or are not in this list. "
                    "Nothing was changed."
                ),
                messages.ERROR,
            )
            return None
        return super().response_action(request, queryset, *args, **kwargs)  # type: ignore[misc]


class SafeModelAdmin(SafeInputAdminMixin, admin.ModelAdmin):
    """The base of the portal's ModelAdmins (see SafeInputAdminMixin)."""


def safe_admin(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """`admin_class` with SafeInputAdminMixin in front (itself if it already has it)."""
    if issubclass(admin_class, SafeInputAdminMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (SafeInputAdminMixin, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )


def make_admin_site_safe(site: admin.AdminSite) -> None:
    """Put SafeInputAdminMixin in front of every ModelAdmin registered on `site`, the
    portal's and third-party ones (auth, allauth) alike. Call it once every admin module
    has registered (as `wall_admin_site` is called)."""
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, SafeInputAdminMixin):
            site._registry[model] = safe_admin(type(model_admin))(model, site)


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
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
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


class PortalAdminSite(admin.AdminSite):
    """The admin site, with a start page: a view that may answer the index instead (for
    office staff, their day). `?models=1` always shows the list of records."""

    start_page: Callable[[HttpRequest], HttpResponse | None] | None = None

    # The start page may answer with a redirect: a view only owes Django an HttpResponse,
    # the stub's TemplateResponse for AdminSite.index is narrower than that.
    def index(  # type: ignore[override]
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        if self.start_page is not None and "models" not in request.GET:
            response = self.start_page(request)
            if response is not None:
                return response
        return super().index(request, extra_context)


class PortalAdminConfig(AdminConfig):
    """`django.contrib.admin` with PortalAdminSite as `admin.site` (named in
    INSTALLED_APPS in place of "django.contrib.admin")."""

    default_site = "portal.admin_tools.PortalAdminSite"
