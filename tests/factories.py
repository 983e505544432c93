"""Small builders for test data (plain functions, no magic)."""

import datetime as dt
import itertools

from django.utils import timezone

from bookings.models import Office
from terms.models import TermsDocument, TermsVersion

_seq = itertools.count(1)


def make_office(slug: str | None = None, **fields) -> Office:
    n = next(_seq)
    defaults = {
        "slug": slug or f"office-{n}",
        "name": f"テスト相談窓口{n}",
        "name_en": f"Test office {n}",
        "kind": Office.Kind.HELLO_WORK,
        "phone": "0144-32-5221",
        "start_times": ["10:00", "11:00", "14:00", "15:00"],
        "weekdays": [0, 1, 2, 3, 4],
    }
    return Office.objects.create(**{**defaults, **fields})


def make_document(office: Office | None = None, slug: str | None = None) -> TermsDocument:
    n = next(_seq)
    document = TermsDocument.objects.create(
        slug=slug or f"terms-{n}", title=f"利用規約{n}", title_en=f"Terms {n}"
    )
    if office is not None:
        office.terms_documents.add(document)
    return document


def publish_historical(
    document: TermsDocument,
    text: str,
    *,
    effective_at: dt.datetime | None = None,
    summary: str = "",
) -> TermsVersion:
    """A version published in the past (as seed data is imported), bypassing the service's
    "not in the past" rule that applies to staff."""
    effective_at = effective_at or timezone.now() - dt.timedelta(days=30)
    number = document.versions.count() + 1
    return TermsVersion.objects.create(
        document=document,
        number=number,
        text=text,
        change_summary=summary,
        published_at=effective_at - dt.timedelta(days=1),
        effective_at=effective_at,
    )
