import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
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

    class Meta:
        ordering = ["office", "display_name"]
        verbose_name = _("counsellor")
        verbose_name_plural = _("counsellors")

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


class SessionKind(models.TextChoices):
    CONSULTATION = "consultation", _("Individual consultation")
    SESSION = "session", _("Seminar or tour (several participants)")


class SlotTemplate(models.Model):
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


class Slot(models.Model):
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


class Booking(models.Model):
    """A person's booking of a seat in a slot: a request, then confirmed (or declined,
    cancelled, marked a no-show). The database allows one active booking per seat and per
    person in a slot; on PostgreSQL a trigger also keeps the seat within the capacity."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show cancellation")
        COMPLETED = "completed", _("Held")
        EXPIRED = "expired", _("Request expired")

    ACTIVE = (Status.REQUESTED, Status.CONFIRMED)

    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("slot")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="bookings",
        verbose_name=_("user"),
    )
    seat = models.PositiveSmallIntegerField(_("seat"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    full_name = models.CharField(_("name"), max_length=101)
    full_name_kana = models.CharField(_("name (katakana)"), max_length=101)
    job_seeker_number = models.CharField(_("job-seeker number"), max_length=14, blank=True)
    phone = PhoneNumberField(_("registered phone"), region="JP")
    interpreter_attending = models.BooleanField(
        _("an interpreter or assistant attends"), default=False
    )
    interpreter_note = models.CharField(
        _("note on the interpreter or assistant"), max_length=300, blank=True
    )
    created_at = models.DateTimeField(_("applied at"), default=timezone.now)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by (staff)"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # Set with each confirmation or move of a confirmed booking, cleared by the room job
    # that makes its room: how a room job finds the other bookings it can serve at once.
    # A hint only: whether a booking has a room is always read from its rooms.
    awaiting_room = models.BooleanField(
        _("awaiting its room"), default=False, db_default=False, editable=False
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    joined_at = models.DateTimeField(_("joined at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started by the counsellor at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("the person phoned at"), null=True, blank=True)
    no_show_at = models.DateTimeField(_("cancelled as a no-show at"), null=True, blank=True)
    is_immediate = models.BooleanField(_("immediate consultation"), default=False)
    registering = models.BooleanField(_("about to register as a job seeker"), default=False)
    expired_at = models.DateTimeField(_("request expired at"), null=True, blank=True)
    overdue_alerted_at = models.DateTimeField(
        _("staff alerted of the unanswered request at"), null=True, blank=True
    )

    class Meta:
        ordering = ["slot__starts_at"]
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "seat"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="booking_one_active_per_seat",
            ),
            models.UniqueConstraint(
                fields=["slot", "user"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="booking_one_active_per_person_and_slot",
            ),
            models.CheckConstraint(condition=Q(seat__gte=1), name="booking_seat_positive"),
        ]
        indexes = [
            models.Index(fields=["user", "status"], name="booking_user_status"),
            models.Index(fields=["status", "slot"], name="booking_status_slot"),
            models.Index(
                fields=["confirmed_at"],
                condition=Q(status="confirmed", awaiting_room=True),
                name="booking_awaiting_room",
            ),
            models.Index(
                fields=["slot"],
                condition=Q(
                    status="confirmed",
                    joined_at__isnull=True,
                    started_at__isnull=True,
                    contacted_at__isnull=True,
                ),
                name="booking_due_for_no_show",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} — {self.slot}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class BookingEvent(models.Model):
    """The audit trail of a booking: who did what, when, and why."""

    class Action(models.TextChoices):
        REQUESTED = "requested", _("Applied")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled by the person")
        CANCELLED_BY_STAFF = "cancelled_by_staff", _("Cancelled on the person's behalf")
        FOLLOW_UP_BOOKED = "follow_up_booked", _("Follow-up booked")
        MOVED = "moved", _("Moved")
        JOINED = "joined", _("The person joined")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")
        CONTACTED = "contacted", _("The person phoned")
        NO_SHOW = "no_show", _("No-show cancellation")
        NO_SHOW_UNDONE = "no_show_undone", _("No-show undone")
        IMMEDIATE_STARTED = "immediate_started", _("Immediate consultation started")
        EXPIRED = "expired", _("Request expired unanswered")
        OVERDUE_ALERTED = "overdue_alerted", _("Staff alerted: request unanswered")
        CONSULTATION_ID_CHECKED = "consultation_id_checked", _("Consultation ID checked")
        CONSULTATION_ID_REFUSED = "consultation_id_refused", _("Wrong consultation ID")

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="events", verbose_name=_("booking")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    note = models.TextField(_("note"), blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("booking event")
        verbose_name_plural = _("booking events")

    def __str__(self) -> str:
        return f"{self.booking_id} {self.action}"


class RoomQuerySet(models.QuerySet):
    def valid(self) -> "RoomQuerySet":
        """Rooms not invalidated (by a cancellation or a move): at most one per booking."""
        return self.filter(invalidated_at__isnull=True)


class Room(models.Model):
    """The meeting room of a booking: at most one valid room per booking (a retried or
    duplicated job finds it and creates nothing). The passcode is encrypted at rest."""

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="rooms", verbose_name=_("booking")
    )
    provider = models.CharField(_("provider"), max_length=20)
    meeting_id = models.CharField(_("meeting ID"), max_length=100)
    passcode_encrypted = models.TextField(_("passcode (encrypted)"), editable=False)
    join_url = models.URLField(_("join link"), max_length=500)
    external_id = models.CharField(_("provider's ID"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    invalidated_at = models.DateTimeField(_("invalidated at"), null=True, blank=True)
    provider_deleted_at = models.DateTimeField(_("deleted at the provider"), null=True, blank=True)

    objects = RoomQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        constraints = [
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(invalidated_at__isnull=True),
                name="room_one_valid_per_booking",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.meeting_id}"


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
