"""Bookings and their audit trail."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from .slots import Slot


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
    # How often the person changed the date and time themselves (the office's move_limit).
    times_moved = models.PositiveSmallIntegerField(
        _("times moved by the person"), default=0, editable=False
    )
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

    def may_be_cancelled_by_person(self, at: dt.datetime) -> bool:
        """The person cancels an open booking in the portal up to its start (I4(3), K6(5));
        afterwards only the office can, when they phone."""
        return self.is_active and at < self.slot.starts_at


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
        ATTENDED = "attended", _("Attended the session")
        ABSENT = "absent", _("Absent from the session")
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled by the office")
        ASKED_TO_MOVE = "asked_to_move", _("Asked to choose a new time (absence or closure)")

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
