"""Offices, their staff (memberships and counsellors), issued accounts and closures."""

import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
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

    class CutoffDays(models.TextChoices):
        CALENDAR = "calendar", _("Calendar days")
        BUSINESS = "business", _("Business days (holidays and closures skipped)")

    booking_cutoff_days = models.PositiveSmallIntegerField(
        _("booking closes (days before, at the end of the day)"), default=1
    )
    booking_cutoff_counts = models.CharField(
        _("the days before are counted in"),
        max_length=10,
        choices=CutoffDays.choices,
        default=CutoffDays.CALENDAR,
        help_text=_(
            "Business days: a Monday slot closes at the end of Friday, so that a request can "
            "be confirmed while the office is open."
        ),
    )
    closed_at_year_end = models.BooleanField(
        _("closed from 29 December to 3 January"), default=True
    )
    reminder_hour = models.PositiveSmallIntegerField(
        _("hour of the day-before reminder (Japan time)"), default=10
    )
    accepts_registering = models.BooleanField(
        _("accepts people about to register as job seekers"),
        default=False,
        help_text=_(
            "A person without a job-seeker number may apply saying they will register "
            "(K2(2)); the application is then a request a counsellor confirms."
        ),
    )
    weeks_open = models.PositiveSmallIntegerField(_("weeks of slots kept open"), default=4)
    meeting_provider = models.CharField(
        _("meeting provider"),
        max_length=20,
        choices=MeetingProvider.choices,
        default=MeetingProvider.JITSI,
    )
    booking_limit = models.PositiveSmallIntegerField(_("open bookings allowed per user"), default=1)
    waiting_offer_hours = models.PositiveSmallIntegerField(
        _("a freed seat is offered to the waiting list for (hours)"),
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_(
            "How long the first person on a full session's waiting list may accept a seat "
            "that frees; never past the booking cut-off."
        ),
    )
    move_limit = models.PositiveSmallIntegerField(
        _("times a person may move one booking"),
        default=2,
        help_text=_(
            "How often a person may change the date and time of one booking themselves. "
            "0 turns changing off (staff can still move bookings)."
        ),
    )
    shows_counsellor_names = models.BooleanField(
        _("show the counsellor's name on each free time"),
        default=False,
        help_text=_(
            "The office page names whose slot each free time is (for example for "
            "continuing support with an individual counsellor)."
        ),
    )

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
        constraints = [
            models.CheckConstraint(
                condition=Q(reminder_hour__lte=23), name="office_reminder_hour_of_the_day"
            )
        ]
        # What staff may do at an office beyond a model's add/change/view: held by the
        # roles' groups (StaffMembership.Role), checked per office by the office wall.
        permissions = [
            ("view_access_code", _("Can see the access code of a booking")),
            ("suspend_person", _("Can suspend a person at the office")),
            ("lift_restriction", _("Can lift a no-show restriction")),
            ("view_report", _("Can read the office's monthly reports")),
            ("issue_account", _("Can issue and reissue accounts")),
            ("export_consents", _("Can export the office's consents")),
            ("publish_terms", _("Can publish the office's terms")),
            ("manage_team", _("Can manage every counsellor's templates and rooms")),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("office_detail", kwargs={"slug": self.slug})

    @property
    def meeting_app(self) -> str:
        """The web meeting service the office's consultations actually use, for people."""
        names: dict[str, str | Promise] = {
            self.MeetingProvider.ZOOM: _("Zoom (the app or a browser)"),
            self.MeetingProvider.JITSI: _("Jitsi Meet (in the browser; no app to install)"),
            self.MeetingProvider.FIXED: _(
                "The counsellor's own meeting room (its address comes with your access code)"
            ),
        }
        return str(names.get(self.meeting_provider, self.get_meeting_provider_display()))

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


class StaffMembership(models.Model):
    """A staff member works for an office with a role there. What each role may do is the
    permissions of the role's group (data, edited in admin); a superuser is a national
    administrator and belongs to every office."""

    class Role(models.TextChoices):
        COUNSELLOR = "counsellor", _("Counsellor")
        MANAGER = "manager", _("Manager")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        verbose_name=_("staff member"),
    )
    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("office")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["office", "role", "user"]
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "office"], name="staff_membership_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.office} ({self.get_role_display()})"

    @staticmethod
    def group_name(role: str) -> str:
        """The auth group that holds the permissions of a role."""
        return f"role:{role}"


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
    # The counsellor's own room, for offices whose provider is "fixed" (e.g. Tele Office).
    fixed_meeting_id = models.CharField(_("fixed room: meeting ID"), max_length=100, blank=True)
    fixed_passcode_encrypted = models.TextField(
        _("fixed room: passcode (encrypted)"), blank=True, editable=False
    )
    fixed_join_url = models.URLField(_("fixed room: join link"), blank=True)
    # A person whose booking was cancelled (or who was suspended) still knows the fixed
    # room's passcode, which the portal cannot revoke: the counsellor is asked to change it.
    fixed_room_exposed_at = models.DateTimeField(
        _("fixed room: passcode to change since"), null=True, blank=True, editable=False
    )
    # The private calendar feed's secret, keyed-hashed (services.counsellors): empty while
    # the feed is off. The token itself is shown once, when it is made.
    calendar_token = models.CharField(
        _("calendar feed: key (hashed)"), max_length=64, blank=True, editable=False
    )

    class Meta:
        ordering = ["office", "display_name"]
        verbose_name = _("counsellor")
        verbose_name_plural = _("counsellors")
        constraints = [
            models.UniqueConstraint(
                fields=["calendar_token"],
                condition=~Q(calendar_token=""),
                name="counsellor_calendar_token_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.office})"


class IssuedAccount(models.Model):
    """An account an office issued to a person (T10): only these may book where the office
    takes bookings from issued accounts only. Holds the consultation ID (面接・相談ID)."""

    office = models.ForeignKey(
        Office, on_delete=models.PROTECT, related_name="issued_accounts", verbose_name=_("office")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="issued_accounts",
        verbose_name=_("user"),
    )
    consultation_id = models.CharField(_("consultation ID"), max_length=20)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("issued account")
        verbose_name_plural = _("issued accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "user"],
                condition=Q(revoked_at__isnull=True),
                name="issued_account_one_active_per_office",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.office})"


class OfficeClosure(models.Model):
    """Days an office is closed (e.g. 12/29–1/3 every year); no slots are generated."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="closures", verbose_name=_("office")
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    every_year = models.BooleanField(
        _("every year"), default=False, help_text=_("Repeat on the same dates every year.")
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["office", "start_date"]
        verbose_name = _("office closure")
        verbose_name_plural = _("office closures")

    def __str__(self) -> str:
        return f"{self.office}: {self.start_date}–{self.end_date}"

    def covers(self, day: dt.date) -> bool:
        if not self.every_year:
            return self.start_date <= day <= self.end_date
        start = (self.start_date.month, self.start_date.day)
        end = (self.end_date.month, self.end_date.day)
        key = (day.month, day.day)
        if start <= end:
            return start <= key <= end
        return key >= start or key <= end  # spans the new year, e.g. 12/29–1/3


class OfficeArea(models.Model):
    """One municipality an office serves: `Office.municipality_codes` as rows, kept in step
    with it on every save of the office (services.areas), so that the home page finds the
    offices of a municipality or a prefecture through an index, however many offices."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="areas", verbose_name=_("office")
    )
    # JIS X 0402 without the check digit; its first two digits are the prefecture (X 0401).
    municipality_code = models.CharField(_("municipality (JIS code)"), max_length=5)

    class Meta:
        ordering = ["office", "municipality_code"]
        verbose_name = _("area served")
        verbose_name_plural = _("areas served")
        constraints = [
            models.UniqueConstraint(fields=["municipality_code", "office"], name="office_area_once")
        ]

    def __str__(self) -> str:
        return f"{self.office} — {self.municipality_code}"
