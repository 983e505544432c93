"""What an office decided about a person: a lifted no-show restriction, a suspension, a
counsellor for continuing support."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .offices import Counsellor, Office


class NoShowLift(models.Model):
    """Staff lifted a person's no-show restriction at an office: earlier no-shows no longer
    count towards the office's policy."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="no_show_lifts", verbose_name=_("office")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="no_show_lifts",
        verbose_name=_("user"),
    )
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    reason = models.TextField(_("reason"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("lifted no-show restriction")
        verbose_name_plural = _("lifted no-show restrictions")

    def __str__(self) -> str:
        return f"{self.user} ({self.office})"


class Suspension(models.Model):
    """A person's use suspended at one office (T9, I8(2)), or everywhere (no office: only a
    national administrator suspends so). Lifting is recorded on the same row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="suspensions",
        verbose_name=_("person"),
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="suspensions",
        verbose_name=_("office"),
        help_text=_("Empty: suspended at every office."),
    )
    reason = models.TextField(_("reason"))
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suspended by"),
    )
    suspended_at = models.DateTimeField(_("suspended at"), default=timezone.now)
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    class Meta:
        ordering = ["-suspended_at"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "office"],
                condition=Q(lifted_at__isnull=True, office__isnull=False),
                name="suspension_one_active_per_office",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(lifted_at__isnull=True, office__isnull=True),
                name="suspension_one_active_everywhere",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.office or _('every office')})"


class ContinuingSupport(models.Model):
    """An office assigned a person an individual counsellor (I2(3)): the person then books
    that counsellor's slots. Ending the assignment is recorded on the same row."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="continuing_support",
        verbose_name=_("person"),
    )
    office = models.ForeignKey(
        Office,
        on_delete=models.PROTECT,
        related_name="continuing_support",
        verbose_name=_("office"),
    )
    counsellor = models.ForeignKey(
        Counsellor,
        on_delete=models.PROTECT,
        related_name="continuing_support",
        verbose_name=_("counsellor"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ended by"),
    )

    class Meta:
        ordering = ["-assigned_at"]
        verbose_name = _("continuing support")
        verbose_name_plural = _("continuing support")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "office"],
                condition=Q(ended_at__isnull=True),
                name="continuing_support_one_per_office",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.counsellor}"
