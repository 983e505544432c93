"""Demo data: the three offices of the source documents, staff and demo sign-ins.

`load_demo()` is idempotent: it creates what is missing and changes nothing that exists,
so running `seed_demo` twice leaves the database as the first run left it.
"""

import datetime as dt
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Counsellor, Office

User = get_user_model()

# Demo passwords are for a developer's machine only; they are printed by `make run`.
DEMO_PASSWORD = "demo-pass-2026"

OFFICES = [
    {
        "slug": "tachikawa",
        "name": "立川市子ども家庭センター",
        "name_en": "Tachikawa City Child and Family Centre",
        "kind": Office.Kind.CHILD_FAMILY,
        "summary": (
            "子ども家庭センターの面接・相談をWeb会議で行います。"
            "センターが発行した利用者ID・パスワードと面接・相談IDでご利用いただけます。"
        ),
        "summary_en": (
            "Interviews and consultations of the centre held by web conference. "
            "You use the user ID, password and consultation ID issued by the centre."
        ),
        "phone": "042-527-3234",
        "fax": "042-521-0422",
        "municipality_codes": ["13202"],
        "slot_mode": Office.SlotMode.FIXED_TIMES,
        "start_times": ["10:00", "13:30", "15:00"],
        "weekdays": [0, 1, 2, 3, 4],
        "meeting_provider": Office.MeetingProvider.FIXED,
        "requires_issued_account": True,
        "requires_residence": True,
        "no_show_limit": 0,
    },
    {
        "slug": "itami",
        "name": "ハローワーク伊丹",
        "name_en": "Hello Work Itami",
        "kind": Office.Kind.HELLO_WORK,
        "summary": (
            "来所登録をされた求職者の方で、個別支援担当職員による継続的な相談を希望される方向けの"
            "オンライン職業相談と、セミナー・見学会などのオンラインサービスです。"
        ),
        "summary_en": (
            "Online job consultations for registered job seekers who want continuing support "
            "from an individual counsellor, and online seminars, tours and meetings."
        ),
        "phone": "072-772-8609",
        "fax": "",
        "municipality_codes": ["28207", "28217", "28301"],
        "slot_mode": Office.SlotMode.WINDOW,
        "start_times": [],
        "window_start": dt.time(10, 0),
        "window_end": dt.time(16, 0),
        "weekdays": [0, 1, 2, 3, 4],
        "meeting_provider": Office.MeetingProvider.FIXED,
        "requires_job_seeker_number": True,
        "requires_counsellor_confirmation": True,
        "no_show_limit": 2,
    },
    {
        "slug": "tomakomai",
        "name": "ハローワークプラザとまこまい マザーズコーナー",
        "name_en": "Hello Work Plaza Tomakomai, Mothers' Corner",
        "kind": Office.Kind.HELLO_WORK,
        "summary": (
            "管内にお住まいで、求職登録と求職者マイページの開設がお済みの方（または求職登録を"
            "される方）のためのオンライン職業相談です。"
        ),
        "summary_en": (
            "Online job consultations for residents of the office's area who are registered "
            "job seekers with a job seeker's My Page (or are registering)."
        ),
        "phone": "0144-32-5221",
        "fax": "",
        "municipality_codes": ["01213", "01578", "01581", "01585", "01586", "01601", "01602"],
        "slot_mode": Office.SlotMode.FIXED_TIMES,
        "start_times": ["10:00", "11:00", "14:00", "15:00"],
        "weekdays": [0, 1, 2, 3, 4],
        "meeting_provider": Office.MeetingProvider.ZOOM,
        "requires_job_seeker_number": True,
        "requires_residence": True,
        "no_show_limit": 2,
    },
]

COUNSELLOR_PERMISSIONS = [
    ("bookings", "view_office"),
    ("bookings", "view_counsellor"),
]


@dataclass(frozen=True)
class DemoSignIn:
    role: str
    email: str
    password: str


def _ensure_user(email: str, **extra: object) -> tuple[object, bool]:
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


@transaction.atomic
def load_demo() -> list[DemoSignIn]:
    sign_ins = []
    admin, _ = _ensure_user("admin@example.jp", is_superuser=True)
    sign_ins.append(DemoSignIn("staff (superuser)", admin.email, DEMO_PASSWORD))

    group, _ = Group.objects.get_or_create(name="Counsellors")
    wanted = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in COUNSELLOR_PERMISSIONS
    ]
    group.permissions.add(*wanted)

    for facts in OFFICES:
        data = dict(facts)
        slug = data.pop("slug")
        office, _ = Office.objects.get_or_create(slug=slug, defaults=data)
        email = f"counsellor.{slug}@example.jp"
        user, created = _ensure_user(email, is_staff=True)
        if created:
            user.groups.add(group)
        Counsellor.objects.get_or_create(
            user=user, defaults={"office": office, "display_name": f"{office.name} 相談員"}
        )
        sign_ins.append(DemoSignIn(f"counsellor, {office.name_en}", email, DEMO_PASSWORD))

    citizen, _ = _ensure_user("citizen@example.jp")
    sign_ins.append(DemoSignIn("citizen (job seeker)", citizen.email, DEMO_PASSWORD))
    return sign_ins
