"""A person's record for an office's staff: everything the staff page shows, in one read.

Only what belongs to that office: its bookings, consents to its documents, its messages,
its no-show count, its suspension and continuing support. A fixed number of queries,
however many bookings the person has. The caller has already checked the office wall."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language

from accounts.messages import render_message
from accounts.models import Message, Profile, User
from terms.models import Consent

from ..models import Booking, ContinuingSupport, Office, Suspension
from .restrictions import counted_no_show, is_restricted
from .staff import people_of
from .suspensions import suspension_at


def is_person_of(office_id: int, user_id: int) -> bool:
    """Whether the user is one of the office's people (booked, consented, issued, member)."""
    return User.objects.filter(people_of({office_id}), pk=user_id).exists()


@dataclass
class PersonRecord:
    person: User
    office: Office
    profile: Profile | None
    full_name: str
    full_name_kana: str
    phone: Any
    email: str
    bookings: list[Booking] = field(default_factory=list)
    latest_booking: Booking | None = None
    consents: list[Consent] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    no_shows: int = 0
    restricted: bool = False
    suspension: Suspension | None = None
    support: ContinuingSupport | None = None


def person_record(
    *, office: Office, person: User, language: str | None = None, now: dt.datetime | None = None
) -> PersonRecord:
    """The record of `person` at `office` (messages rendered in `language`)."""
    now = now or timezone.now()
    language = language or get_language()
    profile = Profile.objects.filter(user=person).first()
    bookings = list(
        Booking.objects.filter(user=person, slot__office=office)
        .select_related("slot", "slot__counsellor")
        .order_by("-slot__starts_at")
    )
    latest = max(bookings, key=lambda b: b.created_at) if bookings else None
    consents = list(
        Consent.objects.filter(user=person, version__document__offices=office)
        .select_related("version__document")
        .order_by("-consented_at")
        .distinct()
    )
    messages = [
        {"message": message, "subject": render_message(message, language).subject}
        for message in Message.objects.filter(user=person, params__office_id=office.pk).order_by(
            "-created_at"
        )
    ]
    no_shows = Booking.objects.filter(counted_no_show(office, now), user=person).count()
    support = (
        ContinuingSupport.objects.filter(user=person, office=office, ended_at__isnull=True)
        .select_related("counsellor")
        .first()
    )
    name = profile.full_name if profile else ""
    kana = profile.full_name_kana if profile else ""
    phone = profile.phone if profile and profile.phone else None
    return PersonRecord(
        person=person,
        office=office,
        profile=profile,
        full_name=name or (latest.full_name if latest else ""),
        full_name_kana=kana or (latest.full_name_kana if latest else ""),
        phone=phone or (latest.phone if latest else None),
        email=person.email,
        bookings=bookings,
        latest_booking=latest,
        consents=consents,
        messages=messages,
        no_shows=no_shows,
        restricted=is_restricted(no_shows, office),
        suspension=suspension_at(person, office),
        support=support,
    )
