"""The waiting list (キャンセル待ち) of a full session: people in the order they joined;
a seat that frees is offered to the first of them for a limited time."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bookings import Booking
from .slots import Slot


class WaitingEntry(models.Model):
    """A person on a session's waiting list. The queue is the order of the rows (their
    primary keys are taken under the slot's row lock, so the order is the order of
    joining). While an entry is waiting or offered, it keeps one seat of the session for
    its person: nobody behind them (or outside the list) takes it."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        OFFERED = "offered", _("Offered a seat")
        BOOKED = "booked", _("Booked the seat")
        DECLINED = "declined", _("Declined the seat")
        EXPIRED = "expired", _("Offer expired")
        LEFT = "left", _("Left the waiting list")
        CLOSED = "closed", _("Waiting list closed")

    ACTIVE = (Status.WAITING, Status.OFFERED)

    slot = models.ForeignKey(
        Slot, on_delete=models.CASCADE, related_name="waiting_entries", verbose_name=_("session")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="waiting_entries",
        verbose_name=_("user"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.WAITING
    )
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    offered_at = models.DateTimeField(_("offered a seat at"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer valid until"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    booking = models.ForeignKey(
        Booking,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booking"),
    )
    close_reason = models.CharField(_("reason"), max_length=300, blank=True)

    # The place in the queue, where a service or selector counted it (not stored: it is
    # the number of open entries of the slot up to this one).
    position: int | None = None

    class Meta:
        ordering = ["slot", "pk"]
        verbose_name = _("waiting-list entry")
        verbose_name_plural = _("waiting-list entries")
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "user"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waiting_one_active_entry_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="waiting_offer_has_an_end",
            ),
        ]
        indexes = [
            models.Index(
                fields=["slot"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waiting_active_per_slot",
            ),
            models.Index(
                fields=["offer_expires_at"],
                condition=Q(status="offered"),
                name="waiting_offers_by_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.slot}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
