"""Reads about terms: which version is in force, who must consent again."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from portal.internals import Columns

from .models import Consent, TermsDocument, TermsVersion, VersionStatus


def version_in_force(document: TermsDocument, at: dt.datetime | None = None) -> TermsVersion | None:
    return TermsVersion.objects.filter(document=document).in_force_at(at or timezone.now()).first()


def version_status(version: TermsVersion, at: dt.datetime | None = None) -> VersionStatus:
    """The one rule of a version's status: a draft until published, scheduled until its
    effective time, then in force until a later one takes effect, then superseded."""
    at = at or timezone.now()
    if not version.is_published:
        return VersionStatus.DRAFT
    if version.effective_at is not None and version.effective_at > at:
        return VersionStatus.SCHEDULED
    current = version_in_force(version.document, at)
    if current is not None and current.pk == version.pk:
        return VersionStatus.IN_FORCE
    return VersionStatus.SUPERSEDED


def with_status(
    versions: QuerySet[TermsVersion], status: str, at: dt.datetime | None = None
) -> QuerySet[TermsVersion]:
    """The versions of `versions` whose `version_status` is `status`, in one query."""
    at = at or timezone.now()
    if status == VersionStatus.DRAFT:
        return versions.filter(published_at__isnull=True)
    if status == VersionStatus.SCHEDULED:
        return versions.filter(published_at__isnull=False, effective_at__gt=at)
    in_force = TermsVersion.objects.filter(document=OuterRef("document")).in_force_at(at)
    marked = versions.filter(published_at__isnull=False, effective_at__lte=at).annotate(
        current_pk=Subquery(in_force.values("pk")[:1])
    )
    if status == VersionStatus.IN_FORCE:
        return marked.filter(pk=F("current_pk"))
    if status == VersionStatus.SUPERSEDED:
        return marked.exclude(pk=F("current_pk"))
    return versions


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


def latest_consents(user: User, documents: Iterable[TermsDocument | int]) -> dict[int, Consent]:
    """The user's consent to the highest version of each document (documents or their
    ids), by document id."""
    result: dict[int, Consent] = {}
    ids = [d if isinstance(d, int) else d.pk for d in documents]
    consents = (
        Consent.objects.filter(user=user, version__document_id__in=ids)
        .select_related("version", "version__document")
        .order_by("version__document_id", "-version__number")
    )
    for consent in consents:
        result.setdefault(consent.version.document_id, consent)
    return result


def consent_needs(
    user: User | AnonymousUser, documents: Iterable[TermsDocument], at: dt.datetime | None = None
) -> list[ConsentNeed]:
    """Documents whose version in force the user has not agreed to (empty = all fine)."""
    at = at or timezone.now()
    # The versions in force of all the documents, in one query (newest effective first).
    current: dict[int, TermsVersion] = {}
    for version in (
        TermsVersion.objects.published()
        .filter(document__in=documents, effective_at__lte=at, document__retired_at__isnull=True)
        .select_related("document")
        .order_by("document__position", "document_id", "-effective_at")
    ):
        current.setdefault(version.document_id, version)
    if not current:
        return []
    agreed = latest_consents(user, current) if user.is_authenticated else {}
    needs = []
    for document_id, version in current.items():
        consent = agreed.get(document_id)
        if consent is not None and consent.version.number >= version.number:
            continue
        since = consent.version.number if consent else 0
        changes = (
            list(
                TermsVersion.objects.published()
                .filter(document_id=document_id, number__gt=since, number__lte=version.number)
                .order_by("number")
            )
            if consent
            else []
        )
        needs.append(
            ConsentNeed(
                document=version.document,
                version=version,
                agreed=consent.version if consent else None,
                changes=changes,
            )
        )
    return needs


@dataclass(frozen=True)
class AgreementDue:
    """A version in force the user has not agreed to, and the number of the latest version
    of its document they did agree to (None: never)."""

    version: TermsVersion
    agreed_number: int | None

    @property
    def is_revision(self) -> bool:
        return self.agreed_number is not None


_VERSION = Columns(TermsVersion, deferred=("text",))
_DOCUMENT = Columns(TermsDocument, prefix="document__")


def due_candidates(user_id: int, documents: Q) -> QuerySet:
    """For `agreements_due`: the published versions of the documents `documents` selects (a
    filter on the versions) that are not retired, each with the number of the latest
    version of its document the person agreed to, by document and newest effective first.
    One statement, with no time in it (a `portal.internals.PreparedQuery` can run it)."""
    agreed = (
        Consent.objects.filter(user_id=user_id, version__document=OuterRef("document"))
        .order_by("-version__number")
        .values("version__number")[:1]
    )
    return (
        TermsVersion.objects.published()
        .filter(documents, document__retired_at__isnull=True)
        .annotate(agreed_number=Subquery(agreed))
        .order_by("document__position", "document_id", "-effective_at")
        .values_list(*_VERSION.lookups, *_DOCUMENT.lookups, "agreed_number")
    )


def agreements_due(candidates: Iterable[tuple], at: dt.datetime) -> list[AgreementDue]:
    """What `consent_needs` says of the documents, without the versions in between: of the
    rows of `due_candidates`, the version of each document in force at `at`, where the
    person has not agreed to it (for the steps that only need to know what to agree to:
    applying for a slot)."""
    current: dict[int, tuple[TermsVersion, int | None]] = {}
    for row in candidates:
        version = _VERSION.build(row)
        in_force = version.effective_at is not None and version.effective_at <= at
        if not in_force or version.document_id in current:
            continue
        version.document = _DOCUMENT.build(row, len(_VERSION))
        current[version.document_id] = (version, row[-1])  # the number agreed to
    return [
        AgreementDue(version, agreed)
        for version, agreed in current.values()
        if agreed is None or agreed < version.number
    ]
