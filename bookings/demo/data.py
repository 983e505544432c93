"""The demo data itself: the three offices of the source documents, their terms, and the
demo people. `bookings.demo.load_demo` loads it."""

import datetime as dt
import zoneinfo
from pathlib import Path
from typing import TypedDict

from ..models import Office

# Demo passwords are for a developer's machine only; they are printed by `make run`.
DEMO_PASSWORD = "demo-pass-2026"
# Every demo staff account's second factor: a TOTP with this one secret (base32, as an
# authenticator app takes it). Development only, printed by `seed_demo` with DEBUG.
DEMO_TOTP_SECRET = "DEMOSTAFFSECONDFACTORFORDEVONLY7"

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
        "booking_cutoff_counts": Office.CutoffDays.BUSINESS,
        "meeting_provider": Office.MeetingProvider.FIXED,
        "requires_job_seeker_number": True,
        "requires_counsellor_confirmation": True,
        "no_show_limit": 2,
        # Continuing support with an individual counsellor: the office page names whose
        # slot each free time is.
        "shows_counsellor_names": True,
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
        # K2(2) 求職登録をされる方: a person about to register applies saying so.
        "accepts_registering": True,
        "requires_residence": True,
        "no_show_limit": 2,
    },
]

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
TEXTS = Path(__file__).resolve().parents[2] / "terms" / "demo_texts"


def jst(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=TOKYO)


class TermsSpec(TypedDict):
    """One document of an office's terms: its versions as (text name, published, effective)."""

    slug: str
    title: str
    title_en: str
    versions: list[tuple[str, dt.datetime, dt.datetime]]


# Each office's terms: our own wording of the rules of its source document, with the real
# effective dates (Itami's documents carry none; 2024-04-01 stands in for them).
TERMS: dict[str, list[TermsSpec]] = {
    "tachikawa": [
        {
            "slug": "tachikawa-web-meeting",
            "title": "立川市子ども家庭センター Web会議システム利用規約",
            "title_en": "Tachikawa Child and Family Centre: terms of use of the web conference",
            "versions": [("tachikawa-web-meeting-v1", jst(2025, 3, 1), jst(2025, 4, 1))],
        }
    ],
    "itami": [
        {
            "slug": "itami-job-consultation",
            "title": "ハローワーク伊丹 オンライン職業相談利用規約",
            "title_en": "Hello Work Itami: terms of use of online job consultation",
            "versions": [("itami-job-consultation-v1", jst(2024, 3, 15), jst(2024, 4, 1))],
        },
        {
            "slug": "itami-online-services",
            "title": "ハローワーク伊丹 オンラインを活用したサービス利用規約",
            "title_en": "Hello Work Itami: terms of use of online services (seminars, tours)",
            "versions": [("itami-online-services-v1", jst(2024, 3, 15), jst(2024, 4, 1))],
        },
    ],
    "tomakomai": [
        {
            "slug": "tomakomai-job-consultation",
            "title": "マザーズコーナー オンライン職業相談利用規約",
            "title_en": "Mothers' Corner: terms of use of online job consultation",
            "versions": [
                ("tomakomai-job-consultation-v1", jst(2024, 7, 1), jst(2024, 7, 11)),
                ("tomakomai-job-consultation-v2", jst(2026, 9, 1), jst(2026, 10, 1)),
            ],
        }
    ],
}


DEMO_CITIZENS = [
    # (e-mail, office slug, role, profile, issued consultation ID)
    (
        "citizen@example.jp",
        "tomakomai",
        "job seeker, Tomakomai (agreed to terms v1; v2 is now in force)",
        {
            "family_name": "苫小牧",
            "given_name": "花子",
            "family_name_kana": "トマコマイ",
            "given_name_kana": "ハナコ",
            "postal_code": "0530000",
            "municipality_code": "01213",
            "municipality_name": "北海道苫小牧市",
            "job_seeker_number": "01234-5678901",
            # Registered phone: a counsellor can start an immediate consultation (K6の2).
            "phone": "090-1234-5678",
        },
        None,
    ),
    (
        "itami.jobseeker@example.jp",
        "itami",
        "job seeker, Itami (empty profile)",
        {},
        None,
    ),
    (
        "tachikawa.parent@example.jp",
        "tachikawa",
        "parent, Tachikawa (account issued by the centre)",
        {
            "family_name": "立川",
            "given_name": "一郎",
            "family_name_kana": "タチカワ",
            "given_name_kana": "イチロウ",
            "postal_code": "1900000",
            "municipality_code": "13202",
            "municipality_name": "東京都立川市",
        },
        "T-000101",
    ),
]


# A staff member of two offices (a counsellor at one, the manager of another).
TWO_OFFICES_EMAIL = "staff.two-offices@example.jp"
