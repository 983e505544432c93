"""Weekly slot templates and the slots published from them."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .offices import Counsellor, Office


class SessionKind(models.TextChoices):
    CONSULTATION = "consultation", _("Individual consultation")
    SESSION = "session", _("Seminar or tour (several participants)")
    SEMINAR = "seminar", _("Seminar")
    JOB_FAIR = "job_fair", _("Job fair")
    SELECTION_INTERVIEW = "selection_interview", _("Selection interview with an employer")
    COMPANY_TOUR = "company_tour", _("Company tour")
    MEETING = "meeting", _("Meeting")


class SessionSettings(models.Model):
    """What a session (every kind but an individual consultation: seminars, job fairs,
    selection interviews, company tours, meetings; I 前文, I1) has of its own, on a weekly
    template and on the slots published from it. An individual consultation ignores them."""

    description = models.TextField(_("description (Japanese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    participant_notes = models.TextField(
        _("notes for participants (Japanese)"),
        blank=True,
        help_text=_("What to prepare, what to have at hand."),
    )
    participant_notes_en = models.TextField(_("notes for participants (English)"), blank=True)
    terms_document = models.ForeignKey(
        "terms.TermsDocument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("terms of use of the session"),
        help_text=_("Empty: every terms document of the office applies."),
    )
    requires_job_seeker_number = models.BooleanField(
        _("session: needs a job-seeker number"), default=False
    )
    requires_confirmation = models.BooleanField(
        _("session: needs a counsellor's confirmation"), default=False
    )
    no_show_applies = models.BooleanField(
        _("session: the 10-minute no-show rule applies"),
        default=False,
        help_text=_("Off: the host marks attendance; nobody is cancelled as a no-show."),
    )
    kind_limit = models.PositiveSmallIntegerField(
        _("session: open bookings of this kind allowed per person"),
        null=True,
        blank=True,
        help_text=_("Empty: no limit. Sessions never count against the consultation limit."),
    )
    meeting_provider = models.CharField(
        _("session: meeting provider"),
        max_length=20,
        choices=Office.MeetingProvider.choices,
        blank=True,
        help_text=_("Empty: the office's provider."),
    )

    class Meta:
        abstract = True

    @property
    def is_session(self) -> bool:
        return self.kind != SessionKind.CONSULTATION  # type: ignore[attr-defined]

    @property
    def display_description(self) -> str:
        if get_language() == "en" and self.description_en:
            return self.description_en
        return self.description

    @property
    def display_notes(self) -> str:
        if get_language() == "en" and self.participant_notes_en:
            return self.participant_notes_en
        return self.participant_notes


class SlotTemplate(SessionSettings):
    """A weekly pattern a counsellor publishes slots from: one start time, or a window
    (start–end) cut into slots of the office's length."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="slot_templates", verbose_name=_("office")
    )
    counsellor = models.ForeignKey(
        Counsellor,
        on_delete=models.CASCADE,
        related_name="slot_templates",
        verbose_name=_("counsellor"),
    )
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), help_text=_("0 = Monday … 4 = Friday.")
    )
    start_time = models.TimeField(_("start time"))
    end_time = models.TimeField(
        _("end of window"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a single slot at the start time."),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=SessionKind.choices, default=SessionKind.CONSULTATION
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    title = models.CharField(_("title (Japanese)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    minutes = models.PositiveSmallIntegerField(
        _("session: length (minutes)"),
        null=True,
        blank=True,
        help_text=_("A session's own length. Empty: the office's slot length."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["office", "weekday", "start_time"]
        verbose_name = _("weekly slot template")
        verbose_name_plural = _("weekly slot templates")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="slot_template_weekday"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_template_capacity"),
            models.CheckConstraint(
                condition=Q(end_time__isnull=True) | Q(end_time__gt=models.F("start_time")),
                name="slot_template_window_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.counsellor} {self.weekday} {self.start_time:%H:%M}"


class Slot(SessionSettings):
    """One bookable time (予約枠) of one counsellor.

    PostgreSQL refuses two overlapping open slots of one counsellor (an exclusion
    constraint added in migration 0004); every database refuses start >= end.
    """

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="slots", verbose_name=_("office")
    )
    counsellor = models.ForeignKey(
        Counsellor, on_delete=models.PROTECT, related_name="slots", verbose_name=_("counsellor")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    kind = models.CharField(
        _("kind"), max_length=20, choices=SessionKind.choices, default=SessionKind.CONSULTATION
    )
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    title = models.CharField(_("title (Japanese)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "counsellor"]
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="slot_starts_before_it_ends"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_positive"),
            models.UniqueConstraint(fields=["counsellor", "starts_at"], name="slot_once_per_start"),
        ]
        indexes = [models.Index(fields=["office", "starts_at"], name="slot_office_start")]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.office} {local:%Y-%m-%d %H:%M}"

    @property
    def display_title(self) -> str:
        if get_language() == "en" and self.title_en:
            return self.title_en
        return self.title
