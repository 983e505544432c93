"""The data of the measures this run added: a person at an office with terms (consents, a
profile, a booking), and offices at national scale for the home page."""

import datetime as dt


def ready_person(office_slug: str, email: str):
    """A person who may book at the office: a complete profile in its area, the terms in
    force agreed to."""
    from django.utils import timezone

    from accounts.models import Profile, User
    from bookings.models import Office
    from terms.models import Consent
    from terms.selectors import version_in_force
    from terms.services import record_consent

    office = Office.objects.get(slug=office_slug)
    user = User.objects.create_user(email=email, password="bench-pass-2026")
    Profile.objects.update_or_create(
        user=user,
        defaults={
            "family_name": "ベンチ",
            "given_name": "花子",
            "family_name_kana": "ベンチ",
            "given_name_kana": "ハナコ",
            "phone": "+81901234567",
            "postal_code": "0530022",
            "municipality_code": (office.municipality_codes or ["01213"])[0],
            "municipality_name": "北海道苫小牧市",
            "job_seeker_number": "01234-5678901",
            "environment_confirmed_at": timezone.now(),
        },
    )
    for document in office.terms_documents.all():
        if version := version_in_force(document):
            record_consent(user=user, version=version, method=Consent.Method.EXPLICIT)
    assert office.terms_documents.exists() and user.consents.exists()
    return user


def booked_person(office_slug: str, email: str = "bench-signed-in@example.jp"):
    """A person who may book at the office (`ready_person`) and has booked there once: the
    office page signed in as people who book see it."""
    from django.utils import timezone

    from bookings import services
    from bookings.models import Office, Slot

    office = Office.objects.get(slug=office_slug)
    user = ready_person(office_slug, email)
    slot = (
        Slot.objects.filter(
            office=office,
            starts_at__gt=timezone.now() + dt.timedelta(days=3),
            cancelled_at__isnull=True,
            bookings__isnull=True,
        )
        .order_by("-starts_at")
        .first()
    )
    assert slot is not None, f"{office_slug} has no free slot to book"
    services.create_booking(
        user=user,
        office=office,
        slot_id=slot.pk,
        full_name="ベンチ 花子",
        full_name_kana="ベンチ ハナコ",
        job_seeker_number="01234-5678901",
        phone="+81901234567",
    )
    assert office.terms_documents.exists() and user.consents.exists() and user.bookings.exists()
    return user


def create_national_offices(total: int) -> int:
    """Offices (no counsellors, one to four municipalities each across the prefectures)
    until there are `total`; returns how many there are. A later call numbers on from the
    national offices an earlier one made."""
    from bookings.caches import ALL_OFFICES
    from bookings.caches import offices as offices_cache
    from bookings.models import Office, OfficeArea

    have = Office.objects.count()
    made = Office.objects.filter(slug__startswith="national-").count()
    new = [
        Office(
            slug=f"national-{n:04d}",
            name=f"全国相談窓口{n:04d}",
            name_en=f"National office {n:04d}",
            kind=Office.Kind.HELLO_WORK,
            phone="0144-32-5221",
            municipality_codes=[f"{1 + n % 47:02d}{100 + (n * 7 + k) % 800:03d}" for k in range(4)][
                : 1 + n % 4
            ],
        )
        for n in range(made, made + max(0, total - have))
    ]
    created = Office.objects.bulk_create(new, batch_size=500)
    OfficeArea.objects.bulk_create(
        (
            OfficeArea(office=office, municipality_code=code)
            for office in created
            for code in office.municipality_codes
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    # An import that adds offices without their save signals says so itself: the kept
    # home pages show them at once (autocommit: bumped now).
    offices_cache.changed(ALL_OFFICES)
    return Office.objects.count()
