import hashlib

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from .errors import TermsError


class PublishedVersionIsImmutable(Exception):
    """Raised when code tries to change or delete a published terms version."""


class ConsentIsEvidence(TermsError):
    """Raised when code tries to change or delete a consent: consents are kept as they were
    recorded (a TermsError, so a view that shows terms errors shows this one too)."""

    def __init__(self) -> None:
        super().__init__(gettext("A consent is kept as evidence: it cannot be changed or deleted."))


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TermsDocument(models.Model):
    """A terms-of-use document of an office (an office may have several)."""

    slug = models.SlugField(_("slug"), unique=True)
    title = models.CharField(_("title (Japanese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("terms document")
        verbose_name_plural = _("terms documents")

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        if get_language() == "en" and self.title_en:
            return self.title_en
        return self.title


class TermsVersionQuerySet(models.QuerySet):
    def published(self) -> "TermsVersionQuerySet":
        return self.filter(published_at__isnull=False)

    def in_force_at(self, moment) -> "TermsVersionQuerySet":
        """Published versions whose effective time has come, newest effective first."""
        return self.published().filter(effective_at__lte=moment).order_by("-effective_at")


class VersionStatus(models.TextChoices):
    """Where a version stands now (computed by `terms.selectors.version_status`)."""

    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


class TermsVersion(models.Model):
    """One version (第N版) of a terms document.

    A draft (no `published_at`) may be edited; a published version never changes: its
    text, hash, summary and times are frozen (checked here, in admin, and on PostgreSQL by
    a trigger). Which version is in force is derived from the effective times alone.
    """

    FROZEN_FIELDS = (
        "document_id",
        "number",
        "text",
        "text_sha256",
        "change_summary",
        "change_summary_en",
        "published_at",
        "effective_at",
    )

    document = models.ForeignKey(
        TermsDocument,
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("document"),
    )
    number = models.PositiveIntegerField(_("version number"))
    text = models.TextField(_("text (Markdown)"))
    text_sha256 = models.CharField(_("SHA-256 of the text"), max_length=64, editable=False)
    change_summary = models.TextField(_("summary of changes (Japanese)"), blank=True)
    change_summary_en = models.TextField(_("summary of changes (English)"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    effective_at = models.DateTimeField(_("effective from"), null=True, blank=True)

    objects = TermsVersionQuerySet.as_manager()

    class Meta:
        ordering = ["document", "-number"]
        verbose_name = _("terms version")
        verbose_name_plural = _("terms versions")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="terms_version_number_once"
            ),
            models.UniqueConstraint(
                fields=["document", "effective_at"], name="terms_version_one_per_effective_time"
            ),
            models.CheckConstraint(
                condition=(Q(published_at__isnull=True) & Q(effective_at__isnull=True))
                | (Q(published_at__isnull=False) & Q(effective_at__gte=models.F("published_at"))),
                name="terms_version_effective_not_before_publication",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="terms_version_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.document} 第{self.number}版"

    def save(self, *args, **kwargs) -> None:
        if self.pk:
            stored = TermsVersion.objects.filter(pk=self.pk, published_at__isnull=False).first()
            if stored is not None and any(
                getattr(stored, name) != getattr(self, name) for name in self.FROZEN_FIELDS
            ):
                raise PublishedVersionIsImmutable(f"{stored} is published and cannot change")
        self.text_sha256 = sha256_of(self.text)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_published:
            raise PublishedVersionIsImmutable(f"{self} is published and cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def display_change_summary(self) -> str:
        if get_language() == "en" and self.change_summary_en:
            return self.change_summary_en
        return self.change_summary


class ConsentQuerySet(models.QuerySet):
    """Consents are only ever added: bulk changes and deletions are refused here, on every
    database; on PostgreSQL a trigger refuses them too (raw SQL included)."""

    def update(self, **kwargs):
        raise ConsentIsEvidence()

    def delete(self):
        raise ConsentIsEvidence()

    def bulk_update(self, objs, fields, batch_size=None):
        raise ConsentIsEvidence()  # before Django's own atomic block, which it would break

    update.alters_data = True  # type: ignore[attr-defined]
    delete.alters_data = True  # type: ignore[attr-defined]
    bulk_update.alters_data = True  # type: ignore[attr-defined]
    delete.queryset_only = True  # type: ignore[attr-defined]  # as Django's: no manager.delete()


class Consent(models.Model):
    """Evidence that a user agreed to one exact version: when, how, from where.

    A consent row is written once and never changed or deleted: `save()` only inserts,
    `delete()` and the queryset's `update()`/`delete()` raise ConsentIsEvidence, and on
    PostgreSQL the `consent_is_evidence` trigger refuses UPDATE and DELETE. Deleting the
    user or the version is refused too (PROTECT), so nothing cascades to a consent.
    """

    class Method(models.TextChoices):
        EXPLICIT = "explicit", _("Explicit consent")
        DEEMED_BY_BOOKING = "deemed_by_booking", _("Deemed by applying for a booking")
        RECONSENT_IMMEDIATE = (
            "reconsent_immediate",
            _("Re-consent before an immediate consultation"),
        )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("user"),
    )
    version = models.ForeignKey(
        TermsVersion,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("version"),
    )
    consented_at = models.DateTimeField(_("consented at"), default=timezone.now)
    method = models.CharField(_("method"), max_length=30, choices=Method.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-consented_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["user", "version"], name="consent_once_per_version")
        ]
        triggers = [
            pgtrigger.Protect(
                name="consent_is_evidence",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.version}"

    def save(
        self, *, force_insert=False, force_update=False, using=None, update_fields=None
    ) -> None:
        """Insert the consent; an existing one is never written again."""
        if not self._state.adding or force_update or update_fields is not None:
            raise ConsentIsEvidence()
        # An instance given the pk of an existing row must not UPDATE it: insert or fail.
        super().save(force_insert=True, using=using)

    def delete(self, using=None, keep_parents=False):
        raise ConsentIsEvidence()
