from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField


class Office(models.Model):
    """A public office that holds online consultations (a Hello Work office, a city centre)."""

    class Kind(models.TextChoices):
        HELLO_WORK = "hello_work", _("Hello Work (public employment office)")
        CHILD_FAMILY = "child_family", _("Municipal child and family centre")

    class SlotMode(models.TextChoices):
        FIXED_TIMES = "fixed_times", _("Fixed start times")
        WINDOW = "window", _("A window cut into slots")

    class MeetingProvider(models.TextChoices):
        ZOOM = "zoom", _("Zoom (created through Zoom's API)")
        JITSI = "jitsi", _("Jitsi (generated room)")
        FIXED = "fixed", _("Counsellor's own room (entered in admin)")

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    summary = models.TextField(_("summary (Japanese)"), blank=True)
    summary_en = models.TextField(_("summary (English)"), blank=True)
    phone = PhoneNumberField(_("contact phone"), region="JP")
    fax = PhoneNumberField(_("fax"), region="JP", blank=True)
    municipality_codes = models.JSONField(
        _("municipalities served (JIS codes)"),
        default=list,
        blank=True,
        help_text=_("Five-digit JIS municipality codes of the area the office serves."),
    )

    terms_documents = models.ManyToManyField(
        "terms.TermsDocument",
        blank=True,
        related_name="offices",
        verbose_name=_("terms documents"),
        help_text=_("A user must consent to the version in force of each before booking."),
    )

    # Slot rules.
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=30)
    slot_mode = models.CharField(
        _("slot mode"), max_length=20, choices=SlotMode.choices, default=SlotMode.FIXED_TIMES
    )
    start_times = models.JSONField(
        _("start times"), default=list, blank=True, help_text=_('For example ["10:00", "14:00"].')
    )
    window_start = models.TimeField(_("window start"), null=True, blank=True)
    window_end = models.TimeField(_("window end"), null=True, blank=True)
    weekdays = models.JSONField(
        _("weekdays"),
        default=list,
        blank=True,
        help_text=_("0 = Monday … 6 = Sunday. Public holidays and closures are always skipped."),
    )
    booking_cutoff_days = models.PositiveSmallIntegerField(
        _("booking closes (days before, at the end of the day)"), default=1
    )
    weeks_open = models.PositiveSmallIntegerField(_("weeks of slots kept open"), default=4)
    meeting_provider = models.CharField(
        _("meeting provider"),
        max_length=20,
        choices=MeetingProvider.choices,
        default=MeetingProvider.JITSI,
    )
    booking_limit = models.PositiveSmallIntegerField(_("open bookings allowed per user"), default=1)

    # Eligibility rules.
    requires_job_seeker_number = models.BooleanField(_("needs a job-seeker number"), default=False)
    requires_residence = models.BooleanField(_("needs residence in its area"), default=False)
    requires_issued_account = models.BooleanField(
        _("needs an account issued by staff"), default=False
    )
    requires_counsellor_confirmation = models.BooleanField(
        _("needs a counsellor's confirmation"), default=False
    )
    no_show_limit = models.PositiveSmallIntegerField(
        _("no-shows that restrict online booking"),
        default=2,
        help_text=_("0 turns the no-show restriction off."),
    )
    no_show_window_days = models.PositiveSmallIntegerField(_("no-show window (days)"), default=90)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("office_detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        """The office's name in the active language (Japanese is the default)."""
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name

    @property
    def display_summary(self) -> str:
        if get_language() == "en" and self.summary_en:
            return self.summary_en
        return self.summary


class Counsellor(models.Model):
    """A member of an office's staff who holds consultations."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="counsellor",
        verbose_name=_("user"),
    )
    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="counsellors", verbose_name=_("office")
    )
    display_name = models.CharField(_("display name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["office", "display_name"]
        verbose_name = _("counsellor")
        verbose_name_plural = _("counsellors")

    def __str__(self) -> str:
        return f"{self.display_name} ({self.office})"
