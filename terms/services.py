"""Every state change of terms and consents."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Message, User
from accounts.services import post_message
from portal.jobs import enqueue_on_commit

from .errors import TermsError
from .models import Consent, TermsDocument, TermsVersion

USER_AGENT_MAX = 500


@transaction.atomic
def create_draft(
    *,
    document: TermsDocument,
    created_by: User | None = None,
    text: str | None = None,
    change_summary: str = "",
) -> TermsVersion:
    """A new draft version, its text prefilled from the newest version of the document."""
    document = TermsDocument.objects.select_for_update().get(pk=document.pk)
    if document.versions.filter(published_at__isnull=True).exists():
        raise TermsError(_("This document already has an unpublished draft. Edit that one."))
    newest = document.versions.order_by("-number").first()
    if text is None:
        text = newest.text if newest else ""
    if not text.strip():
        raise TermsError(_("The text of the terms must not be empty."))
    number = (document.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return TermsVersion.objects.create(
        document=document,
        number=number,
        text=text,
        change_summary=change_summary,
        created_by=created_by,
    )


@transaction.atomic
def publish_version(
    *,
    version: TermsVersion,
    effective_at: dt.datetime | None = None,
    published_by: User | None = None,
) -> TermsVersion:
    """Publish a draft, in force from `effective_at` (now when not given, never in the past).

    Users who agreed to an earlier version of the document are told by a background job
    once the publication has committed.
    """
    # One publication of a document at a time: lock the document row.
    TermsDocument.objects.select_for_update().get(pk=version.document_id)
    version = TermsVersion.objects.get(pk=version.pk)
    now = timezone.now()
    effective_at = effective_at or now
    if version.is_published:
        raise TermsError(_("This version is already published and cannot change."))
    if not version.text.strip():
        raise TermsError(_("The text of the terms must not be empty."))
    if effective_at < now - dt.timedelta(seconds=60):
        raise TermsError(_("The effective time must be now or later, not in the past."))
    effective_at = max(effective_at, now)
    earlier = TermsVersion.objects.published().filter(document_id=version.document_id)
    if earlier.exists() and not version.change_summary.strip():
        raise TermsError(_("Write a summary of the changes: users are told what changes."))
    latest_effective = earlier.aggregate(at=Max("effective_at"))["at"]
    if latest_effective and effective_at <= latest_effective:
        raise TermsError(
            _("The effective time must be later than that of every published version.")
        )
    if earlier.filter(number__gt=version.number).exists():
        raise TermsError(_("A later version of this document is already published."))
    version.published_at = now
    version.effective_at = effective_at
    version.published_by = published_by
    version.save()
    enqueue_on_commit(notify_terms_revision, version.pk)
    return version


@transaction.atomic
def record_consent(
    *,
    user: User,
    version: TermsVersion,
    method: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> Consent:
    """Record that `user` agreed to `version` (once; a second call returns the first)."""
    if not version.is_published:
        raise TermsError(_("Only published terms can be agreed to."))
    if method not in Consent.Method.values:
        raise TermsError(_("Unknown way of consenting."))
    existing = Consent.objects.filter(user=user, version=version).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            return Consent.objects.create(
                user=user,
                version=version,
                method=method,
                ip_address=ip_address or None,
                user_agent=(user_agent or "")[:USER_AGENT_MAX],
            )
    except IntegrityError:
        return Consent.objects.get(user=user, version=version)


def record_consents_by_applying(
    *,
    user: User,
    versions: list[TermsVersion],
    ip_address: str | None = None,
    user_agent: str = "",
) -> None:
    """Applying counts as consent (deemed, K前文) to `versions`: published versions in force
    the user had not agreed to when the application read them. One statement; a consent
    recorded meanwhile (the terms page, in another request) stays as it was. No signal is
    sent: the booking made in the same transaction announces the person's change."""
    if any(not version.is_published for version in versions):
        raise TermsError(_("Only published terms can be agreed to."))
    Consent.objects.bulk_create(
        [
            Consent(
                user=user,
                version=version,
                method=Consent.Method.DEEMED_BY_BOOKING,
                ip_address=ip_address or None,
                user_agent=(user_agent or "")[:USER_AGENT_MAX],
            )
            for version in versions
        ],
        ignore_conflicts=True,
    )


def notify_revision(*, version_id: int) -> int:
    """Tell every user who agreed to an earlier version that the terms change (K13).

    Idempotent: each user gets one message per version, however often this runs.
    Returns how many new messages were written.
    """
    version = TermsVersion.objects.select_related("document").get(pk=version_id)
    if not version.is_published:
        return 0
    document = version.document
    office = document.offices.order_by("pk").first()
    user_ids = (
        Consent.objects.filter(version__document=document, version__number__lt=version.number)
        .exclude(user__consents__version=version)
        .values_list("user_id", flat=True)
        .distinct()
    )
    diff_path = ""
    if office is not None:
        diff_path = (
            reverse("office_terms_diff", kwargs={"slug": office.slug, "document": document.slug})
            + f"?from={version.number - 1}&to={version.number}"
        )
    params = {
        "title": document.title,
        "title_en": document.title_en,
        "number": version.number,
        "effective_at": version.effective_at,
        "summary": version.change_summary,
        "summary_en": version.change_summary_en,
        "diff_url": settings.SITE_URL + diff_path if diff_path else "",
    }
    sent = 0
    for user in get_user_model().objects.filter(pk__in=list(user_ids)).iterator():
        message = post_message(
            user=user,
            kind=Message.Kind.TERMS_REVISION,
            params=params,
            key=f"terms-revision:{version.pk}",
            link=diff_path,
        )
        sent += message is not None
    return sent


def sweep_revision_notices(*, days: int = 14) -> int:
    """Send the notices of versions published in the last `days` again (idempotent), so a
    notice lost to a broker outage still arrives."""
    since = timezone.now() - dt.timedelta(days=days)
    versions = TermsVersion.objects.published().filter(published_at__gte=since, number__gt=1)
    return sum(notify_revision(version_id=pk) for pk in versions.values_list("pk", flat=True))


# The tasks, beside the services they wrap (re-exported by `terms.tasks`). Their names are
# the ones queued jobs and the beat schedule already use.


@shared_task(
    name="terms.tasks.notify_terms_revision",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=5,
)
def notify_terms_revision(version_id: int) -> int:
    return notify_revision(version_id=version_id)


@shared_task(name="terms.tasks.sweep_terms_revision_notices", acks_late=True)
def sweep_terms_revision_notices() -> int:
    return sweep_revision_notices()
