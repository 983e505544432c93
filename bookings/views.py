from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from terms import selectors as terms_selectors
from terms import services as terms_services
from terms.errors import TermsError
from terms.models import Consent, TermsDocument, TermsVersion
from terms.rendering import line_diff, render_markdown

from .consent import missing_consents
from .forms import ConsentForm, DiffForm
from .models import Office


def _safe_next(request: HttpRequest, candidate: str | None) -> str | None:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def home(request: HttpRequest) -> HttpResponse:
    offices = Office.objects.all()
    return render(request, "bookings/home.html", {"offices": offices})


def office_detail(request: HttpRequest, slug: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    return render(request, "bookings/office_detail.html", {"office": office})


def _office_document(office: Office, document_slug: str) -> TermsDocument:
    return get_object_or_404(office.terms_documents, slug=document_slug)


def office_terms(request: HttpRequest, slug: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    needs = {need.document.pk: need for need in missing_consents(request.user, office)}
    agreed = (
        terms_selectors.latest_consents(request.user, office.terms_documents.all())
        if request.user.is_authenticated
        else {}
    )
    next_url = _safe_next(request, request.GET.get("next")) or ""
    documents = []
    for document in office.terms_documents.filter(retired_at__isnull=True):
        current = terms_selectors.version_in_force(document)
        if current is None:
            continue
        documents.append(
            {
                "document": document,
                "current": current,
                "html": render_markdown(current.text),
                "earlier": document.versions.published().filter(number__lt=current.number),
                "upcoming": terms_selectors.upcoming_version(document),
                "need": needs.get(document.pk),
                "consent": agreed.get(document.pk),
                "form": ConsentForm(initial={"version": current.pk, "next": next_url}),
            }
        )
    return render(
        request,
        "bookings/office_terms.html",
        {"office": office, "documents": documents, "next_url": next_url},
    )


def terms_version(request: HttpRequest, slug: str, document: str, number: int) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    doc = _office_document(office, document)
    version = get_object_or_404(doc.versions.published(), number=number)
    current = terms_selectors.version_in_force(doc)
    return render(
        request,
        "bookings/terms_version.html",
        {
            "office": office,
            "document": doc,
            "version": version,
            "current": current,
            "html": render_markdown(version.text),
        },
    )


def terms_diff(request: HttpRequest, slug: str, document: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    doc = _office_document(office, document)
    versions = {v.number: v for v in doc.versions.published().order_by("number")}
    if not versions:
        raise Http404
    numbers = sorted(versions)
    current = terms_selectors.version_in_force(doc) or versions[numbers[-1]]
    default_to = current.number
    default_from = max((n for n in numbers if n < default_to), default=default_to)
    data = {
        "from_number": request.GET.get("from", default_from),
        "to_number": request.GET.get("to", default_to),
    }
    form = DiffForm(data, numbers=numbers)
    if form.is_valid():
        old = versions[form.cleaned_data["from_number"]]
        new = versions[form.cleaned_data["to_number"]]
    else:
        messages.error(request, _("Choose two versions of these terms to compare."))
        old, new = versions[default_from], versions[default_to]
        form = DiffForm({"from_number": old.number, "to_number": new.number}, numbers=numbers)
    changes = list(doc.versions.published().filter(number__gt=old.number, number__lte=new.number))
    return render(
        request,
        "bookings/terms_diff.html",
        {
            "office": office,
            "document": doc,
            "form": form,
            "old": old,
            "new": new,
            "rows": line_diff(old.text, new.text),
            "changes": changes,
        },
    )


@login_required
@require_POST
def consent(request: HttpRequest, slug: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    agreeable = TermsVersion.objects.published().filter(document__offices=office)
    form = ConsentForm(request.POST, versions=agreeable)
    next_url = _safe_next(request, request.POST.get("next"))
    back = redirect(
        f"{office.get_absolute_url()}terms/" + (f"?next={next_url}" if next_url else "")
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return back
    version = form.cleaned_data["version"]
    try:
        terms_services.record_consent(
            user=request.user,
            version=version,
            method=Consent.Method.EXPLICIT,
            ip_address=_client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except TermsError as error:
        messages.error(request, error.message)
        return back
    messages.success(
        request,
        _("You agreed to %(title)s, version %(number)s.")
        % {"title": version.document.display_title, "number": version.number},
    )
    if next_url and not missing_consents(request.user, office):
        return redirect(next_url)
    return back


@login_required
def my_page(request: HttpRequest) -> HttpResponse:
    consents = (
        Consent.objects.filter(user=request.user)
        .select_related("version", "version__document")
        .prefetch_related("version__document__offices")
        .order_by("version__document__position", "-version__number")
    )
    by_office: dict[int, dict] = {}
    for consent in consents:
        for office in consent.version.document.offices.all():
            entry = by_office.setdefault(office.pk, {"office": office, "documents": {}})
            entry["documents"].setdefault(consent.version.document_id, consent)
    offices = [
        {"office": e["office"], "consents": list(e["documents"].values())}
        for e in sorted(by_office.values(), key=lambda e: e["office"].pk)
    ]
    return render(request, "bookings/my_page.html", {"consent_offices": offices})
