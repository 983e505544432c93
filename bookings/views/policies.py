"""The pages a public body publishes: how personal data is handled (個人情報の取扱い), site-wide
and per office, and the web accessibility policy (ウェブアクセシビリティ方針) with the results
of the latest test, as the browser suite produced them (portal/accessibility.py)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from portal.accessibility import load_report

from ..models import Office

# axe-core's tags, as the page names the rule sets.
TAG_NAMES = {
    "wcag2a": "WCAG 2.0 A",
    "wcag2aa": "WCAG 2.0 AA",
    "wcag21a": "WCAG 2.1 A",
    "wcag21aa": "WCAG 2.1 AA",
    "wcag22a": "WCAG 2.2 A",
    "wcag22aa": "WCAG 2.2 AA",
}


def privacy(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "bookings/privacy.html",
        {
            "office": None,
            "offices": Office.objects.all(),
            "retention_days": settings.USAGE_RETENTION_DAYS,
        },
    )


def office_privacy(request: HttpRequest, slug: str) -> HttpResponse:
    office = get_object_or_404(Office, slug=slug)
    return render(
        request,
        "bookings/privacy.html",
        {"office": office, "retention_days": settings.USAGE_RETENTION_DAYS},
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    report = load_report()
    known = list(TAG_NAMES)
    tags = sorted(
        report["tags"] if report else [],
        key=lambda tag: (known.index(tag) if tag in known else len(known), tag),
    )
    rule_sets = [TAG_NAMES.get(tag, tag) for tag in tags]
    return render(
        request,
        "bookings/accessibility.html",
        {"report": report, "rule_sets": rule_sets, "offices": Office.objects.all()},
    )
