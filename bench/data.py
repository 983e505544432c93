"""Large benchmark data, written with set-based SQL (PostgreSQL) so that a million rows
take seconds: offices × counsellors × weeks of future slots, and past bookings."""

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from bookings.models import Office


def create_offices(count: int, counsellors: int) -> list[int]:
    """Offices bench-00… with `counsellors` counsellor users each; returns office ids."""
    password = make_password("bench-pass-2026")
    ids = []
    with transaction.atomic(), connection.cursor() as cursor:
        for n in range(count):
            office, _ = Office.objects.get_or_create(
                slug=f"bench-{n:02d}",
                defaults={
                    "name": f"ベンチマーク相談窓口{n:02d}",
                    "name_en": f"Benchmark office {n:02d}",
                    "kind": Office.Kind.HELLO_WORK,
                    "phone": "0144-32-5221",
                    "slot_mode": Office.SlotMode.WINDOW,
                    "window_start": dt.time(10, 0),
                    "window_end": dt.time(16, 0),
                    "weekdays": [0, 1, 2, 3, 4],
                    "weeks_open": 8,
                    "booking_limit": 1000,
                    "meeting_provider": Office.MeetingProvider.JITSI,
                },
            )
            ids.append(office.pk)
            cursor.execute(
                """
                WITH new_users AS (
                    INSERT INTO accounts_user (password, is_superuser, email, is_staff,
                        is_active, date_joined, must_change_password, suspension_reason)
                    SELECT %s, false, 'bench-c' || %s || '-' || g || '@example.jp', true,
                        true, now(), false, ''
                    FROM generate_series(1, %s) g
                    ON CONFLICT (email) DO NOTHING
                    RETURNING id, email
                )
                INSERT INTO bookings_counsellor (user_id, office_id, display_name, is_active,
                    fixed_meeting_id, fixed_passcode_encrypted, fixed_join_url)
                SELECT id, %s, email, true, '', '', '' FROM new_users
                """,
                [password, n, counsellors, office.pk],
            )
    return ids


def create_future_slots(office_ids: list[int], weeks: int) -> int:
    """Weekday slots, 10:00–16:00 every 30 minutes, for every counsellor of the offices."""
    start = timezone.localdate() + dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO bookings_slot (office_id, counsellor_id, starts_at, ends_at, kind,
                capacity, title, title_en, cancelled_at)
            SELECT c.office_id, c.id, t, t + interval '30 minutes', 'consultation', 1, '', '',
                NULL
            FROM bookings_counsellor c
            CROSS JOIN generate_series(0, %s - 1) d
            CROSS JOIN generate_series(0, 11) k
            CROSS JOIN LATERAL (
                SELECT ((%s::date + d) + time '10:00' + k * interval '30 minutes')
                    AT TIME ZONE 'Asia/Tokyo' AS t
            ) slot_time
            WHERE c.office_id = ANY(%s)
              AND extract(isodow FROM (%s::date + d)) < 6
            ON CONFLICT DO NOTHING
            """,
            [weeks * 7, start, office_ids, start],
        )
        return cursor.rowcount


def create_past_bookings(
    office_ids: list[int], total: int, people: int = 20000, slots_for: int = 1_000_000
) -> int:
    """`total` more past bookings (held, cancelled or no-show), 4 per past slot that has
    none yet. Past slots for `slots_for` bookings are made on the first call."""
    password = make_password("bench-pass-2026")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, email, is_staff, is_active,
                date_joined, must_change_password, suspension_reason)
            SELECT %s, false, 'bench-p' || g || '@example.jp', false, true, now(), false, ''
            FROM generate_series(1, %s) g
            ON CONFLICT (email) DO NOTHING
            """,
            [password, people],
        )
        cursor.execute("SELECT min(id), max(id) FROM accounts_user WHERE email LIKE 'bench-p%%'")
        first_user, last_user = cursor.fetchone()
        cursor.execute(
            "SELECT id, office_id FROM bookings_counsellor WHERE office_id = ANY(%s) ORDER BY id",
            [office_ids],
        )
        counsellors = cursor.fetchall()
        slots_needed = total // 4
        per_counsellor = (slots_for // 4) // len(counsellors) + 1
        cursor.execute(
            """
            INSERT INTO bookings_slot (office_id, counsellor_id, starts_at, ends_at, kind,
                capacity, title, title_en, cancelled_at)
            SELECT c.office_id, c.id, t, t + interval '30 minutes', 'consultation', 1, '', '',
                NULL
            FROM bookings_counsellor c
            CROSS JOIN generate_series(1, %s) k
            CROSS JOIN LATERAL (
                SELECT date_trunc('hour', now()) - interval '2 days'
                    - (k * interval '30 minutes') AS t
            ) slot_time
            WHERE c.office_id = ANY(%s)
            ON CONFLICT DO NOTHING
            """,
            [per_counsellor, office_ids],
        )
        cursor.execute(
            """
            INSERT INTO bookings_booking (slot_id, user_id, seat, status, full_name,
                full_name_kana, job_seeker_number, phone, interpreter_attending,
                interpreter_note, created_at, confirmed_at, cancelled_at, cancel_reason,
                is_immediate)
            SELECT s.id, %s + ((s.id * 4 + seat) %% (%s - %s + 1)), seat,
                (ARRAY['completed', 'completed', 'cancelled', 'no_show'])[seat],
                'ベンチ 利用者', 'ベンチ リヨウシャ', '', '+81901234567', false, '',
                s.starts_at - interval '3 days', s.starts_at - interval '3 days', NULL, '',
                false
            FROM (
                SELECT id, starts_at FROM bookings_slot
                WHERE office_id = ANY(%s) AND starts_at < now() - interval '1 day'
                  AND NOT EXISTS (SELECT 1 FROM bookings_booking b WHERE b.slot_id = bookings_slot.id)
                ORDER BY id LIMIT %s
            ) s
            CROSS JOIN generate_series(1, 4) seat
            """,
            [first_user, last_user, first_user, office_ids, slots_needed],
        )
        inserted = cursor.rowcount
        cursor.execute("ANALYZE bookings_booking; ANALYZE bookings_slot;")
        return inserted
