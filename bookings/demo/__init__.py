"""Demo data: the three offices of the source documents, staff and demo sign-ins.

`load_demo()` is idempotent: it creates what is missing and changes nothing that exists,
so running `seed_demo` twice leaves the database as the first run left it.
"""

import datetime as dt
import time
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Profile, User
from portal import crypto
from terms.models import Consent, TermsDocument, TermsVersion

from .. import calendar, services
from ..models import (
    Counsellor,
    IssuedAccount,
    Office,
    OfficeClosure,
    SessionKind,
    Slot,
    SlotTemplate,
    StaffMembership,
)
from .data import (
    DEMO_CITIZENS,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
    OFFICES,
    TERMS,
    TEXTS,
    TWO_OFFICES_EMAIL,
    jst,
)


def _demo_text(name: str) -> str:
    """A demo text without its leading `# title` line (the page shows the title)."""
    lines = (TEXTS / f"{name}.md").read_text(encoding="utf-8").strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(lines).strip() + "\n"


def _summary(name: str, suffix: str = "") -> str:
    path = TEXTS / f"{name}-summary{suffix}.md"
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


def _ensure_terms(office: Office) -> None:
    for position, spec in enumerate(TERMS[office.slug]):
        document, _ = TermsDocument.objects.get_or_create(
            slug=spec["slug"],
            defaults={"title": spec["title"], "title_en": spec["title_en"], "position": position},
        )
        office.terms_documents.add(document)
        for number, (name, published_at, effective_at) in enumerate(spec["versions"], start=1):
            if not document.versions.filter(number=number).exists():
                # Historical versions are imported as they were published.
                TermsVersion.objects.create(
                    document=document,
                    number=number,
                    text=_demo_text(name),
                    change_summary=_summary(name),
                    change_summary_en=_summary(name, ".en"),
                    created_at=published_at,
                    published_at=published_at,
                    effective_at=effective_at,
                )


WEEKDAYS = range(5)


SERVICES_TERMS = "itami-online-services"
SEMINAR = {
    "kind": SessionKind.SEMINAR,
    "capacity": 5,
    "title": "オンライン就職セミナー（応募書類の書き方）",
    "title_en": "Online seminar: writing your application documents",
    "description": "履歴書・職務経歴書の書き方を、例を見ながら説明します。",
    "description_en": "How to write a CV and a career summary, with examples.",
    "participant_notes": "お手元に筆記用具と、お持ちであれば作成中の履歴書をご用意ください。",
    "participant_notes_en": "Have a pen at hand and, if you have one, the CV you are writing.",
    "meeting_provider": Office.MeetingProvider.JITSI,
}
TOUR = {
    "kind": SessionKind.COMPANY_TOUR,
    "capacity": 10,
    "title": "オンライン企業見学会（市内の製造業）",
    "title_en": "Online company tour: a manufacturer in the city",
    "description": "市内の製造業の職場を、オンラインで見学します。質問の時間もあります。",
    "description_en": "A look at a workplace of a manufacturer in the city, with questions.",
    "participant_notes": "カメラはオフのままで参加できます。",
    "participant_notes_en": "You may keep your camera off.",
    "meeting_provider": Office.MeetingProvider.JITSI,
}
TOUR_START, TOUR_MINUTES, TOUR_MONTHS = dt.time(14, 0), 90, 3


def _services_terms(office: Office) -> dict:
    """Itami's sessions need consent to its online services terms only (I1)."""
    return {"terms_document": office.terms_documents.get(slug=SERVICES_TERMS)}


def _ensure_templates(office: Office, counsellor: Counsellor) -> None:
    """Weekly templates from the office's slot rules (K: fixed times; I: a 10:00–16:00
    window, with a 60-minute seminar on Wednesday afternoons and the Friday afternoon kept
    for the monthly company tour; T: times the centre sets)."""
    if office.slot_templates.exists():
        return
    templates = []
    for weekday in WEEKDAYS:
        if office.slot_mode == Office.SlotMode.WINDOW:
            assert office.window_start is not None  # a window office has its window
            window_end = office.window_end
            if office.slug == "itami" and weekday == 4:
                window_end = dt.time(13, 30)  # the company tour's afternoon (_ensure_tours)
            if office.slug == "itami" and weekday == 2:
                window_end = dt.time(14, 0)
                templates.append(
                    SlotTemplate(
                        office=office,
                        counsellor=counsellor,
                        weekday=weekday,
                        start_time=dt.time(14, 30),
                        minutes=60,
                        **SEMINAR,
                        **_services_terms(office),
                    )
                )
            templates.append(
                SlotTemplate(
                    office=office,
                    counsellor=counsellor,
                    weekday=weekday,
                    start_time=office.window_start,
                    end_time=window_end,
                )
            )
        else:
            for start in office.start_times:
                templates.append(
                    SlotTemplate(
                        office=office,
                        counsellor=counsellor,
                        weekday=weekday,
                        start_time=dt.time.fromisoformat(start),
                    )
                )
    SlotTemplate.objects.bulk_create(templates)


def _ensure_tours(office: Office, counsellor: Counsellor) -> None:
    """Itami's monthly company tour (one-off sessions staff would add in admin): on the
    first open Friday of this month and the next ones, at 14:00 for 90 minutes."""
    if office.slug != "itami":
        return
    closures = list(office.closures.all())
    today = timezone.localdate()
    for offset in range(TOUR_MONTHS):
        year, month = divmod(today.month - 1 + offset, 12)
        day = dt.date(today.year + year, month + 1, 1)
        while day.weekday() != 4 or not calendar.is_open_day(office, day, closures):
            day += dt.timedelta(days=1)
        if day <= today:
            continue
        starts_at = timezone.make_aware(dt.datetime.combine(day, TOUR_START))
        Slot.objects.get_or_create(
            counsellor=counsellor,
            starts_at=starts_at,
            defaults={
                "office": office,
                "ends_at": starts_at + dt.timedelta(minutes=TOUR_MINUTES),
                **TOUR,
                **_services_terms(office),
            },
        )


def _ensure_closure(office: Office) -> None:
    OfficeClosure.objects.get_or_create(
        office=office,
        every_year=True,
        start_date=dt.date(2000, 12, 29),
        end_date=dt.date(2001, 1, 3),
        defaults={"reason": "年末年始（12月29日〜1月3日）"},
    )


@dataclass(frozen=True)
class DemoSignIn:
    role: str
    email: str
    password: str
    totp: bool = False  # signs in with a code from DEMO_TOTP_SECRET after the password


def totp_code(secret: str = DEMO_TOTP_SECRET) -> str:
    """The code an authenticator app shows now for `secret` (allauth's own TOTP)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def _ensure_totp(user: User) -> None:
    """Staff sign in with a second factor: the demo staff's is a TOTP with the documented
    development secret, stored the way allauth stores one that a person activates."""
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)


def _ensure_user(email: str, **extra: object) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    created = False
    if user is None:
        if extra.get("is_superuser"):
            user = User.objects.create_superuser(email=email, password=DEMO_PASSWORD)
        else:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, **extra)
        created = True
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user, created


def _ensure_membership(user: User, office: Office, role: str) -> None:
    StaffMembership.objects.get_or_create(user=user, office=office, defaults={"role": role})


@transaction.atomic
def load_demo() -> list[DemoSignIn]:
    sign_ins = []
    admin, _ = _ensure_user("admin@example.jp", is_superuser=True)
    _ensure_totp(admin)
    sign_ins.append(DemoSignIn("staff (superuser)", admin.email, DEMO_PASSWORD, totp=True))

    for facts in OFFICES:
        data = dict(facts)
        slug = data.pop("slug")
        if data["meeting_provider"] == Office.MeetingProvider.ZOOM and not settings.ZOOM_ACCOUNT_ID:
            # Without Zoom credentials the demo uses a generated Jitsi room instead.
            data["meeting_provider"] = Office.MeetingProvider.JITSI
        office, _ = Office.objects.get_or_create(slug=slug, defaults=data)
        _ensure_terms(office)
        email = f"counsellor.{slug}@example.jp"
        user, _ = _ensure_user(email, is_staff=True)
        _ensure_totp(user)
        _ensure_membership(user, office, StaffMembership.Role.COUNSELLOR)
        counsellor, created = Counsellor.objects.get_or_create(
            user=user, defaults={"office": office, "display_name": f"{office.name} 相談員"}
        )
        if created and office.meeting_provider == Office.MeetingProvider.FIXED:
            # The counsellor's own room (e.g. Tele Office), as staff would enter it in admin.
            counsellor.fixed_meeting_id = f"{700000000 + counsellor.pk * 1111}"
            counsellor.fixed_passcode_encrypted = crypto.encrypt(f"{480000 + counsellor.pk:06d}")
            counsellor.fixed_join_url = f"https://teleoffice.example.jp/room/{slug}"
            counsellor.save()
        _ensure_templates(office, counsellor)
        _ensure_closure(office)
        services.generate_slots(office=office, start=timezone.localdate(), weeks=office.weeks_open)
        _ensure_tours(office, counsellor)
        sign_ins.append(
            DemoSignIn(f"counsellor, {office.name_en}", email, DEMO_PASSWORD, totp=True)
        )
        manager_email = f"manager.{slug}@example.jp"
        manager, _ = _ensure_user(manager_email, is_staff=True)
        _ensure_totp(manager)
        _ensure_membership(manager, office, StaffMembership.Role.MANAGER)
        sign_ins.append(
            DemoSignIn(f"manager, {office.name_en}", manager_email, DEMO_PASSWORD, totp=True)
        )

    # One staff member works for two offices: a counsellor at Itami, a manager at Tomakomai.
    both, _ = _ensure_user(TWO_OFFICES_EMAIL, is_staff=True)
    _ensure_totp(both)
    _ensure_membership(both, Office.objects.get(slug="itami"), StaffMembership.Role.COUNSELLOR)
    _ensure_membership(both, Office.objects.get(slug="tomakomai"), StaffMembership.Role.MANAGER)
    sign_ins.append(
        DemoSignIn(
            "counsellor at Itami and manager at Tomakomai", both.email, DEMO_PASSWORD, totp=True
        )
    )

    for email, slug, role, profile_fields, consultation_id in DEMO_CITIZENS:
        user, created = _ensure_user(email)
        profile, _ = Profile.objects.get_or_create(user=user)
        if created:
            for name, value in profile_fields.items():
                setattr(profile, name, value)
            profile.save()
        if consultation_id:
            IssuedAccount.objects.get_or_create(
                office=Office.objects.get(slug=slug),
                user=user,
                revoked_at=None,
                defaults={"consultation_id": consultation_id},
            )
        sign_ins.append(DemoSignIn(role, email, DEMO_PASSWORD))
    citizen = User.objects.get(email="citizen@example.jp")
    # The demo citizen agreed to Tomakomai's first version; version 2 is now in force, so
    # signing in shows the re-consent flow at once.
    Consent.objects.get_or_create(
        user=citizen,
        version=TermsVersion.objects.get(document__slug="tomakomai-job-consultation", number=1),
        defaults={
            "method": Consent.Method.EXPLICIT,
            "consented_at": jst(2025, 1, 10),
            "ip_address": "192.0.2.10",
            "user_agent": "demo",
        },
    )
    return sign_ins
