from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from portal.internals import Columns, PreparedQuery

from .messages import render_subject

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def language_choices() -> list[tuple[str, "StrOrPromise"]]:
    """The languages of the portal (read when the choices are, not at import time)."""
    return list(settings.LANGUAGES)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> "User":
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> "User":
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get(self, *args: object, **kwargs: object) -> "User":
        """`get(pk=…)` and nothing else, the read of every signed-in request (ModelBackend's
        `get_user`, with the user id of the session), runs as a prepared query: the same
        row and the same instance as the ORM's, without building the query each time. Any
        other lookup, and a historical model in a migration, is the ORM's."""
        pk = kwargs.get("pk") if not args and len(kwargs) == 1 else None
        if self.model is User and (number := _as_primary_key(pk)) is not None:
            rows = _USER_BY_PK.rows(number, using=self.db)
            if not rows:
                raise User.DoesNotExist(f"{User._meta.object_name} matching query does not exist.")
            return _USER_COLUMNS.build(rows[0], using=self.db)
        return super().get(*args, **kwargs)


def _as_primary_key(value: object) -> int | None:
    """`value` as a user id a prepared query can take (an integer, or its decimal digits
    as the session keeps it), else None."""
    if type(value) is int:
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        number = int(value)
    else:
        return None
    return number if 0 < number < 2**63 else None


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a citizen, a counsellor or office staff.

    Signs in with an e-mail address. Personal details (name, kana, phone, address) live
    on the profile, so that the sign-in record stays small.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    login_id = models.CharField(
        _("user ID"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        help_text=_("For accounts issued by an office: the ID the person signs in with."),
    )
    must_change_password = models.BooleanField(_("must change the password"), default=False)
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Designates whether the user can sign in to the admin site."),
    )
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Unselect this instead of deleting accounts."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=language_choices,
        help_text=_(
            "The language the person last chose; their messages and e-mails are written in it. "
            "Blank: the portal's default language (Japanese)."
        ),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        return self.email

    def get_short_name(self) -> str:
        return self.email


_USER_COLUMNS = Columns(User)
_USER_BY_PK = PreparedQuery(
    lambda pk: User.objects.filter(pk=pk).values_list(*_USER_COLUMNS.lookups)
)


class AccountEvent(models.Model):
    """The audit trail of an account: issued, reissued, password changed, second factor
    reset, counsellor assigned. (Suspensions are an office's measure: bookings keeps them.)"""

    class Action(models.TextChoices):
        ISSUED = "issued", _("Account issued")
        REISSUED = "reissued", _("Account reissued")
        INITIAL_PASSWORD_CHANGED = "initial_password_changed", _("Initial password changed")
        MFA_RESET = "mfa_reset", _("Second factor reset")
        COUNSELLOR_ASSIGNED = "counsellor_assigned", _("Counsellor assigned")
        COUNSELLOR_UNASSIGNED = "counsellor_unassigned", _("Counsellor assignment ended")
        # Earlier, account-wide suspensions (kept so that old rows read).
        SUSPENDED = "suspended", _("Suspended")
        SUSPENSION_LIFTED = "suspension_lifted", _("Suspension lifted")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="account_events", verbose_name=_("user")
    )
    actor = models.ForeignKey(
        User,
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
        ordering = ["-at", "-pk"]
        verbose_name = _("account event")
        verbose_name_plural = _("account events")

    def __str__(self) -> str:
        return f"{self.user} {self.action}"


class SignIn(models.Model):
    """A successful sign-in (T8(5): sharing credentials is prohibited; sign-ins are kept)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="sign_ins", verbose_name=_("user")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    method = models.CharField(_("method"), max_length=20)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")

    def __str__(self) -> str:
        return f"{self.user} {self.at:%Y-%m-%d %H:%M}"


class Profile(models.Model):
    """What an office needs to know about a person (K6(2), I4(1)): name and reading,
    registered phone, where they live, job-seeker number, and the environment check."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    family_name = models.CharField(_("family name"), max_length=50, blank=True)
    given_name = models.CharField(_("given name"), max_length=50, blank=True)
    family_name_kana = models.CharField(_("family name (katakana)"), max_length=50, blank=True)
    given_name_kana = models.CharField(_("given name (katakana)"), max_length=50, blank=True)
    phone = PhoneNumberField(_("registered phone"), region="JP", blank=True)
    phone_changed_at = models.DateTimeField(_("phone changed at"), null=True, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=7, blank=True)
    municipality_code = models.CharField(_("municipality code"), max_length=5, blank=True)
    municipality_name = models.CharField(_("municipality"), max_length=100, blank=True)
    job_seeker_number = models.CharField(_("job-seeker number"), max_length=14, blank=True)
    environment_confirmed_at = models.DateTimeField(
        _("environment checklist confirmed at"), null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.full_name or str(self.user)

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    @property
    def is_complete(self) -> bool:
        return all(
            [
                self.family_name,
                self.given_name,
                self.family_name_kana,
                self.given_name_kana,
                self.phone,
            ]
        )


class Message(models.Model):
    """A message in a user's My Page mailbox (メッセージボックス).

    Written only by services. A message is stored as its kind and its parameters; its
    subject and body are rendered from `templates/messages/<kind>.*` in the reader's
    language (`accounts.messages`, where each kind's parameters are listed). Messages
    written before that keep their stored `subject` and `body`, shown as they are.

    `key` makes a message idempotent: the same key is never delivered twice to one user,
    so a job that runs again sends nothing new.
    """

    class Kind(models.TextChoices):
        GENERAL = "general", _("Notice")
        BOOKING_REQUESTED = "booking_requested", _("Booking request received")
        BOOKING_CONFIRMED = "booking_confirmed", _("Booking confirmed")
        BOOKING_DECLINED = "booking_declined", _("Booking request declined")
        BOOKING_CANCELLED = "booking_cancelled", _("Booking cancelled")
        BOOKING_MOVED = "booking_moved", _("Booking moved")
        ACCESS_CODE = "access_code", _("Access code")
        REMINDER = "reminder", _("Reminder")
        TERMS_REVISION = "terms_revision", _("Terms of use revised")
        NO_SHOW = "no_show", _("No-show cancellation")
        SUSPENDED = "suspended", _("Use suspended")
        REQUEST_EXPIRED = "request_expired", _("Booking request expired")
        REQUEST_OVERDUE = "request_overdue", _("Booking request not yet answered")
        REQUEST_OVERDUE_STAFF = "request_overdue_staff", _("Unanswered booking request")
        WAITING_OFFER = "waiting_offer", _("A seat is free for you")
        WAITING_OFFER_EXPIRED = "waiting_offer_expired", _("Seat offer expired")
        WAITING_CLOSED = "waiting_closed", _("Waiting list closed")
        BOOKING_TO_MOVE = "booking_to_move", _("Booking to move: please choose a new time")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="messages", verbose_name=_("user")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.GENERAL)
    params = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text=_("What the message says, rendered in the reader's language."),
    )
    subject = models.CharField(
        _("stored subject"),
        max_length=200,
        blank=True,
        help_text=_("Only for messages written before they were rendered from templates."),
    )
    body = models.TextField(
        _("stored body"),
        blank=True,
        help_text=_("Only for messages written before they were rendered from templates."),
    )
    link = models.CharField(_("link"), max_length=500, blank=True)
    key = models.CharField(_("idempotency key"), max_length=200, blank=True)
    attachment = models.CharField(
        _("attachment"),
        max_length=100,
        blank=True,
        help_text=_("Something shown with the message, e.g. an access code (room:<id>)."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The e-mail outbox (accounts.outbox): the notice that says this message is waiting.
    notice_due = models.BooleanField(
        _("notice due"),
        default=False,
        help_text=_("An e-mail is to tell the person that this message is waiting."),
    )
    notice_sent_at = models.DateTimeField(_("notice sent at"), null=True, blank=True)
    notice_claimed_at = models.DateTimeField(_("notice claimed at"), null=True, blank=True)
    notice_attempts = models.PositiveSmallIntegerField(_("notice attempts"), default=0)
    notice_next_attempt_at = models.DateTimeField(
        _("next notice attempt at"), null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                condition=~models.Q(key=""),
                name="message_key_once_per_user",
            )
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="message_user_unread"),
            models.Index(
                fields=["notice_next_attempt_at"],
                condition=models.Q(notice_due=True, notice_sent_at__isnull=True),
                name="message_notice_outbox",
            ),
        ]

    def __str__(self) -> str:
        return render_subject(self)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class UsageRecord(models.Model):
    """One signed-in request (I4, K7(1)): when, which page (never the query string), the
    outcome, and the device only as a keyed hash. Reports use aggregates only (K7(2))."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="usage_records", verbose_name=_("user")
    )
    path_name = models.CharField(_("page"), max_length=100)
    office_slug = models.SlugField(_("office"), blank=True)
    method = models.CharField(_("method"), max_length=8)
    status_code = models.PositiveSmallIntegerField(_("outcome (HTTP status)"))
    device_hash = models.CharField(_("device (keyed hash)"), max_length=64)
    is_smartphone = models.BooleanField(_("smartphone"), default=False)

    class Meta:
        verbose_name = _("usage record")
        verbose_name_plural = _("usage records")
        indexes = [models.Index(fields=["office_slug", "at"], name="usage_office_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.path_name}"


class StaffAccess(models.Model):
    """A staff member looked at a person's profile, booking, consent or message (K8)."""

    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    staff = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff")
    )
    subject = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="staff_accesses", verbose_name=_("whose")
    )
    what = models.CharField(_("what"), max_length=50)
    object_id = models.CharField(_("record"), max_length=40)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("staff access")
        verbose_name_plural = _("staff accesses")

    def __str__(self) -> str:
        return f"{self.staff} → {self.subject} ({self.what})"
