"""Counsellors' absences (不在): a day or some hours when a counsellor holds no consultations."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .offices import Counsellor


class Absence(models.Model):
    """A counsellor is away from `starts_at` to `ends_at` (a whole day: midnight to
    midnight, Japan time). No slots are published inside it, its free slots are closed,
    and its booked ones are listed for staff to move (`services.absences`)."""

    counsellor = models.ForeignKey(
        Counsellor, on_delete=models.CASCADE, related_name="absences", verbose_name=_("counsellor")
    )
    starts_at = models.DateTimeField(_("away from"))
    ends_at = models.DateTimeField(_("away until"))
    reason = models.CharField(
        _("reason (internal)"),
        max_length=200,
        blank=True,
        help_text=_("Seen by the office's staff only, never by the people who booked."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        editable=False,
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["starts_at", "counsellor"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="absence_starts_before_it_ends"
            )
        ]
        indexes = [
            models.Index(fields=["counsellor", "starts_at"], name="absence_counsellor_start")
        ]

    def __str__(self) -> str:
        start, end = timezone.localtime(self.starts_at), timezone.localtime(self.ends_at)
        return f"{self.counsellor.display_name}: {start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M}"
