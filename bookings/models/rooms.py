"""Meeting rooms of bookings."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bookings import Booking
from .slots import Slot


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
    # A participant's room of a session: the session's one meeting, copied (a participant
    # who cancels loses theirs; the meeting itself lives on for the others).
    session_room = models.ForeignKey(
        "SessionRoom",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participant_rooms",
        verbose_name=_("session room"),
    )

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


class SessionRoom(models.Model):
    """The one meeting of a session (a slot with several participants): made once, by the
    room job of its first confirmed participant; every participant's room copies it. At
    most one valid per slot; invalidated (and deleted at the provider) when the session is
    cancelled or over."""

    slot = models.ForeignKey(
        Slot, on_delete=models.PROTECT, related_name="session_rooms", verbose_name=_("session")
    )
    provider = models.CharField(_("provider"), max_length=20)
    meeting_id = models.CharField(_("meeting ID"), max_length=100)
    passcode_encrypted = models.TextField(_("passcode (encrypted)"), editable=False)
    join_url = models.URLField(_("join link"), max_length=500)
    external_id = models.CharField(_("provider's ID"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    invalidated_at = models.DateTimeField(_("invalidated at"), null=True, blank=True)
    provider_deleted_at = models.DateTimeField(_("deleted at the provider"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("session room")
        verbose_name_plural = _("session rooms")
        constraints = [
            models.UniqueConstraint(
                fields=["slot"],
                condition=Q(invalidated_at__isnull=True),
                name="session_room_one_valid_per_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.meeting_id}"
