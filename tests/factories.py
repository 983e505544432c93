"""Small builders for test data (plain functions, no magic)."""

import datetime as dt
import itertools

from django.utils import timezone

from bookings.models import Office
from terms.models import TermsDocument, TermsVersion

_seq = itertools.count(1)


def make_office(slug: str | None = None, **fields) -> Office:
    n = next(_seq)
    defaults = {
        "slug": slug or f"office-{n}",
        "name": f"テスト相談窓口{n}",
        "name_en": f"Test office {n}",
        "kind": Office.Kind.HELLO_WORK,
        "phone": "0144-32-5221",
        "start_times": ["10:00", "11:00", "14:00", "15:00"],
        "weekdays": [0, 1, 2, 3, 4],
    }
    return Office.objects.create(**{**defaults, **fields})


def make_office_with_terms(slug: str | None = None, **fields) -> Office:
    """An office whose terms of use (one article) are in force: people can agree and book."""
    office = make_office(slug, **fields)
    publish_historical(make_document(office), "## 第1条\n\n規約です。\n")
    return office


def make_document(office: Office | None = None, slug: str | None = None) -> TermsDocument:
    n = next(_seq)
    document = TermsDocument.objects.create(
        slug=slug or f"terms-{n}", title=f"利用規約{n}", title_en=f"Terms {n}"
    )
    if office is not None:
        office.terms_documents.add(document)
    return document


def publish_historical(
    document: TermsDocument,
    text: str,
    *,
    effective_at: dt.datetime | None = None,
    summary: str = "",
) -> TermsVersion:
    """A version published in the past (as seed data is imported), bypassing the service's
    "not in the past" rule that applies to staff."""
    effective_at = effective_at or timezone.now() - dt.timedelta(days=30)
    number = document.versions.count() + 1
    return TermsVersion.objects.create(
        document=document,
        number=number,
        text=text,
        change_summary=summary,
        published_at=effective_at - dt.timedelta(days=1),
        effective_at=effective_at,
    )


def make_counsellor(office: Office, email: str | None = None):
    """A counsellor of `office`: a staff member with the counsellor role there."""
    from django.contrib.auth import get_user_model

    from bookings.models import Counsellor, StaffMembership

    n = next(_seq)
    user = get_user_model().objects.create_user(
        email=email or f"counsellor{n}@example.jp", password="counsellor-pass-1", is_staff=True
    )
    StaffMembership.objects.create(user=user, office=office, role=StaffMembership.Role.COUNSELLOR)
    return Counsellor.objects.create(user=user, office=office, display_name=f"相談員{n}")


def make_staff(office: Office | None, role: str, email: str | None = None):
    """A staff member with `role` ("counsellor" or "manager") at `office` (None: a staff
    member of no office)."""
    from django.contrib.auth import get_user_model

    from bookings.models import StaffMembership

    n = next(_seq)
    user = get_user_model().objects.create_user(
        email=email or f"{role}{n}@example.jp", password="staff-pass-1", is_staff=True
    )
    if office is not None:
        StaffMembership.objects.create(user=user, office=office, role=role)
    return user


def jst(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> dt.datetime:
    import zoneinfo

    return dt.datetime(y, mo, d, h, mi, s, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo"))


def make_slot(office: Office, counsellor, starts_at: dt.datetime, *, capacity: int = 1, minutes=30):
    from bookings.models import Slot

    return Slot.objects.create(
        office=office,
        counsellor=counsellor,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        capacity=capacity,
    )


def make_slot_among_demo(office: Office, counsellor, starts_at: dt.datetime, *, minutes=30):
    """`make_slot` for a counsellor of the demo data (seed_demo), at a time a test takes
    from the clock: first the counsellor's free slots that would overlap it go (the demo's
    own, 10:00–16:00 on weekdays), so the test passes at every hour of the day."""
    from bookings.models import Slot

    Slot.objects.filter(
        counsellor=counsellor,
        starts_at__lt=starts_at + dt.timedelta(minutes=minutes),
        ends_at__gt=starts_at,
        bookings__isnull=True,
    ).delete()
    return make_slot(office, counsellor, starts_at, minutes=minutes)


def make_eligible(user, office: Office, *, consent: bool = True):
    """Give `user` everything `office` asks for: a complete profile in its area, a
    job-seeker number, the environment check, and consent to the terms in force."""
    from accounts.models import Profile
    from terms.models import Consent
    from terms.selectors import version_in_force

    profile, _ = Profile.objects.get_or_create(user=user)
    profile.family_name, profile.given_name = "山田", "花子"
    profile.family_name_kana, profile.given_name_kana = "ヤマダ", "ハナコ"
    profile.phone = "090-1234-5678"
    profile.postal_code = "0530000"
    profile.municipality_code = (office.municipality_codes or ["01213"])[0]
    profile.municipality_name = "北海道苫小牧市"
    profile.job_seeker_number = "01234-5678901"
    profile.environment_confirmed_at = timezone.now()
    profile.save()
    if consent:
        for document in office.terms_documents.all():
            version = version_in_force(document)
            if version:
                Consent.objects.get_or_create(
                    user=user, version=version, defaults={"method": Consent.Method.EXPLICIT}
                )
    return user


def book(office: Office, person, slot, **details):
    """Apply for `slot` through the booking service with a typical applicant's details
    (any of which `details` replaces)."""
    from bookings import services

    applicant = {
        "full_name": "山田 花子",
        "full_name_kana": "ヤマダ ハナコ",
        "job_seeker_number": "01234-5678901",
        "phone": "090-1234-5678",
    }
    return services.create_booking(
        user=person, office=office, slot_id=slot.pk, **{**applicant, **details}
    )


def make_confirmed_booking(slot, person, **fields):
    """A confirmed booking written directly (not through the booking service), for tests of
    what happens after confirmation: rooms, attendance, sweeps."""
    from bookings.models import Booking

    defaults = {
        "status": Booking.Status.CONFIRMED,
        "full_name": "山田 花子",
        "full_name_kana": "ヤマダ ハナコ",
        "phone": "090-1234-5678",
    }
    return Booking.objects.create(slot=slot, user=person, **{**defaults, **fields})
