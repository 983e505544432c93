"""Counsellors' own records: the fixed meeting room of offices whose provider is "fixed",
and the secret of their private calendar feed."""

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from portal import crypto
from portal.jobs import enqueue_on_commit

from ..models import Booking, Counsellor
from .rooms import invalidate_rooms, issue_room_task


@transaction.atomic
def set_fixed_passcode(*, counsellor: Counsellor, passcode: str) -> int:
    """Store the new passcode of the counsellor's fixed room (encrypted at rest). The
    counsellor's open confirmed bookings get the new code: their rooms are made again by
    the room job, which posts the new access code to each person's mailbox. Returns how
    many bookings get a new code."""
    counsellor.fixed_passcode_encrypted = crypto.encrypt(passcode)
    counsellor.fixed_room_exposed_at = None
    counsellor.save(update_fields=["fixed_passcode_encrypted", "fixed_room_exposed_at"])
    open_bookings = Booking.objects.filter(
        slot__counsellor=counsellor,
        status=Booking.Status.CONFIRMED,
        slot__ends_at__gt=timezone.now(),
        rooms__provider="fixed",
        rooms__invalidated_at__isnull=True,
    ).select_related("slot")
    count = 0
    for booking in open_bookings:
        invalidate_rooms(booking=booking, rotating=True)
        Booking.objects.filter(pk=booking.pk).update(awaiting_room=True)
        enqueue_on_commit(issue_room_task, booking.pk)
        count += 1
    return count


def calendar_token_hash(token: str) -> str:
    """The keyed hash (HMAC-SHA256 under a key derived from SECRET_KEY) stored for a
    calendar feed's token: the database never holds a working feed URL."""
    return salted_hmac("bookings.calendar_feed", token, algorithm="sha256").hexdigest()


def rotate_calendar_token(*, counsellor: Counsellor) -> str:
    """Turn the counsellor's calendar feed on with a new secret and return the token for
    its URL (shown once). The old URL, if any, stops working at once."""
    token = secrets.token_urlsafe(32)
    counsellor.calendar_token = calendar_token_hash(token)
    counsellor.save(update_fields=["calendar_token"])
    return token


def revoke_calendar_token(*, counsellor: Counsellor) -> None:
    """Turn the counsellor's calendar feed off: its URL answers "not found"."""
    counsellor.calendar_token = ""
    counsellor.save(update_fields=["calendar_token"])
