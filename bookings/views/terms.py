"""An office's terms of use: the versions in force, earlier versions, diffs, consenting,
and the re-consent gate of the views that need current consent."""

from collections.abc import Callable
from functools import wraps
from typing import cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import signed_in_user
from portal.navigation import safe_next
from terms import selectors as terms_selectors
from terms.errors import TermsError
from terms.models import TermsDocument, TermsVersion
from terms.rendering import line_diff, render_markdown

from ..forms import ConsentForm, DiffForm
from ..models import Office, Slot
from ..selectors import missing_consents
from ..services import record_office_consent


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


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
    next_url = safe_next(request) or ""
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
        "bookings/terms/office_terms.html",
        {"office": office, "documents": documents, "next_url": next_url},
    )


def terms_version(request: HttpRequest, slug: str, document: str, number: int) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    doc = _office_document(office, document)
    version = get_object_or_404(doc.versions.published(), number=number)
    current = terms_selectors.version_in_force(doc)
    return render(
        request,
        "bookings/terms/terms_version.html",
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
        "bookings/terms/terms_diff.html",
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
    next_url = safe_next(request)
    back = redirect(
        reverse("office_terms", kwargs={"slug": office.slug})
        + (f"?{urlencode({'next': next_url})}" if next_url else "")
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                # An ErrorList yields its messages (ValidationErrors unwrapped) as strings.
                messages.error(request, cast(str, error))
        return back
    version = form.cleaned_data["version"]
    user = signed_in_user(request)
    try:
        record_office_consent(
            user=user,
            office=office,
            version=version,
            ip_address=client_ip(request),
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
    if next_url and not missing_consents(user, office):
        return redirect(next_url)
    return back


def terms_url_for(office: Office, next_url: str) -> str:
    return (
        reverse("office_terms", kwargs={"slug": office.slug}) + "?" + urlencode({"next": next_url})
    )


def to_the_terms(
    request: HttpRequest, office: Office, *, revised: bool, next_url: str | None = None
) -> HttpResponse:
    """To the office's terms page, saying why, and back to `next_url` (else the office
    page) once agreed."""
    if revised:
        messages.warning(
            request,
            _(
                "The terms of use have changed. Please read what changed and agree to "
                "the new version to go on."
            ),
        )
    else:
        messages.info(request, _("Please read and agree to the terms of use to go on."))
    return redirect(terms_url_for(office, next_url or office.get_absolute_url()))


def require_current_consent(
    view: Callable[..., HttpResponse] | None = None, *, first_consent_in_form: bool = False
):
    """For views of one office (URL keyword `slug`): a signed-in user whose consent is missing
    or older than the version in force goes to the terms page, and comes back afterwards.

    With `first_consent_in_form`, a user who never agreed is let through: the view's form
    records applying as consent (deemed consent). A revision still sends them to the terms.
    """
    if view is None:
        return lambda v: require_current_consent(v, first_consent_in_form=first_consent_in_form)

    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        office = get_object_or_404(Office, slug=slug)
        # A session's booking needs its own terms only (I1), not every document's.
        slot_id = kwargs.get("slot_id")
        slot = (
            Slot.objects.filter(pk=slot_id, office=office).first()
            if isinstance(slot_id, int)
            else None
        )
        needs = missing_consents(request.user, office, slot)
        if first_consent_in_form:
            needs = [need for need in needs if need.is_revision]
        if needs:
            next_url = request.get_full_path() if request.method == "GET" else None
            return to_the_terms(
                request, office, revised=any(need.is_revision for need in needs), next_url=next_url
            )
        return view(request, slug, *args, **kwargs)

    return wrapper
