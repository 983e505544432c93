"""Reads about terms: which version is in force, who must consent again."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from .models import Consent, TermsDocument, TermsVersion


def version_in_force(document: TermsDocument, at: dt.datetime | None = None) -> TermsVersion | None:
    return TermsVersion.objects.filter(document=document).in_force_at(at or timezone.now()).first()


def upcoming_version(document: TermsDocument, at: dt.datetime | None = None) -> TermsVersion | None:
    """A published version whose effective time is still to come."""
    return (
        TermsVersion.objects.published()
        .filter(document=document, effective_at__gt=at or timezone.now())
        .order_by("effective_at")
        .first()
    )


@dataclass(frozen=True)
class ConsentNeed:
    """A document the user must (re-)consent to before going on."""

    document: TermsDocument
    version: TermsVersion  # the version in force
    agreed: TermsVersion | None  # the latest version the user agreed to, if any
    changes: list[TermsVersion]  # versions after `agreed`, up to the one in force

    @property
    def is_revision(self) -> bool:
        return self.agreed is not None


def latest_consents(user, documents: Iterable[TermsDocument]) -> dict[int, Consent]:
    """The user's consent to the highest version of each document, by document id."""
    result: dict[int, Consent] = {}
    consents = (
        Consent.objects.filter(user=user, version__document__in=list(documents))
        .select_related("version", "version__document")
        .order_by("version__document_id", "-version__number")
    )
    for consent in consents:
        result.setdefault(consent.version.document_id, consent)
    return result


def consent_needs(
    user, documents: Iterable[TermsDocument], at: dt.datetime | None = None
) -> list[ConsentNeed]:
    """Documents whose version in force the user has not agreed to (empty = all fine)."""
    at = at or timezone.now()
    documents = list(documents)
    if not documents:
        return []
    agreed = latest_consents(user, documents) if user.is_authenticated else {}
    needs = []
    for document in documents:
        current = version_in_force(document, at)
        if current is None:
            continue
        consent = agreed.get(document.pk)
        if consent is not None and consent.version.number >= current.number:
            continue
        since = consent.version.number if consent else 0
        changes = list(
            TermsVersion.objects.published()
            .filter(document=document, number__gt=since, number__lte=current.number)
            .order_by("number")
        )
        needs.append(
            ConsentNeed(
                document=document,
                version=current,
                agreed=consent.version if consent else None,
                changes=changes if consent else [],
            )
        )
    return needs
