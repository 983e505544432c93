"""A person's own data, as JSON (My Page → download my data). Only their own rows; no
passcodes and no meeting IDs, no usage records, no device hashes."""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from accounts.messages import render_message
from accounts.models import Message, Profile, User
from terms.models import Consent

from ..models import Booking


def _time(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _message(message: Message) -> dict[str, Any]:
    """A mailbox message as the person reads it now, in the language of the request."""
    subject, body = render_message(message, get_language())
    return {"subject": subject, "body": body, "sent_at": _time(message.created_at)}


def personal_data(user: User) -> dict[str, Any]:
    profile = Profile.objects.filter(user=user).first()
    return {
        "exported_at": _time(timezone.now()),
        "account": {
            "email": user.email,
            "user_id": user.login_id,
            "joined": _time(user.date_joined),
        },
        "profile": {
            "family_name": profile.family_name,
            "given_name": profile.given_name,
            "family_name_kana": profile.family_name_kana,
            "given_name_kana": profile.given_name_kana,
            "phone": profile.phone.as_national if profile.phone else "",
            "postal_code": profile.postal_code,
            "municipality": profile.municipality_name,
            "job_seeker_number": profile.job_seeker_number,
            "environment_confirmed_at": _time(profile.environment_confirmed_at),
        }
        if profile
        else None,
        "bookings": [
            {
                "office": b.slot.office.name,
                "starts_at": _time(b.slot.starts_at),
                "ends_at": _time(b.slot.ends_at),
                "status": b.status,
                "name": b.full_name,
                "name_kana": b.full_name_kana,
                "job_seeker_number": b.job_seeker_number,
                "phone": b.phone.as_national,
                "interpreter_attending": b.interpreter_attending,
                "interpreter_note": b.interpreter_note,
                "applied_at": _time(b.created_at),
                "joined_at": _time(b.joined_at),
            }
            for b in Booking.objects.filter(user=user).select_related("slot__office")
        ],
        "consents": [
            {
                "document": c.version.document.title,
                "version": c.version.number,
                "text_sha256": c.version.text_sha256,
                "consented_at": _time(c.consented_at),
                "method": c.method,
                "ip_address": c.ip_address,
                "user_agent": c.user_agent,
            }
            for c in Consent.objects.filter(user=user).select_related("version__document")
        ],
        "messages": [_message(m) for m in Message.objects.filter(user=user)],
    }
