"""Large benchmark data, written with set-based SQL (PostgreSQL) so that a million rows
take seconds: offices × counsellors × weeks of future slots, and past bookings. The users
(tens of thousands at most) go through the ORM's bulk_create."""

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Field, Model
from django.utils import timezone

from bookings.models import Booking, Office, Slot

SLOT_COLUMNS = "office_id, counsellor_id, starts_at, ends_at, kind, capacity, title, title_en"
BOOKING_COLUMNS = (
    "slot_id, user_id, seat, status, full_name, full_name_kana, job_seeker_number, phone, "
    "created_at, confirmed_at"
)


def _the_rest(model: type[Model], named: str) -> tuple[str, str, list]:
    """The columns of `model` that an INSERT … SELECT naming `named` leaves out, with their
    model defaults: (", col, …", ", %s, …", values). A field added to the model later gets
    its default instead of breaking the insert."""
    given = {column.strip() for column in named.split(",")}
    fields = [
        field
        for field in model._meta.get_fields()
        if isinstance(field, Field)
        and field.concrete
        and not field.primary_key
        and field.column not in given
    ]
    columns = "".join(f', "{field.column}"' for field in fields)
    values = [field.get_db_prep_save(field.get_default(), connection) for field in fields]
    return columns, ", %s" * len(fields), values


def _bulk_users(emails: list[str], password: str, *, is_staff: bool) -> None:
    """Users through the ORM (so every column gets its model default), skipping those
    that exist."""
    from accounts.models import User

    User.objects.bulk_create(
        (User(email=email, password=password, is_staff=is_staff) for email in emails),
        batch_size=2000,
        ignore_conflicts=True,
    )


def create_offices(count: int, counsellors: int) -> list[int]:
    """Offices bench-00… with `counsellors` counsellor users each; returns office ids."""
    from accounts.models import User
    from bookings.models import Counsellor

    password = make_password("bench-pass-2026")
    ids = []
    with transaction.atomic():
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
            emails = [f"bench-c{n}-{g}@example.jp" for g in range(1, counsellors + 1)]
            _bulk_users(emails, password, is_staff=True)
            new = User.objects.filter(email__in=emails, counsellor__isnull=True)
            Counsellor.objects.bulk_create(
                Counsellor(user=user, office=office, display_name=user.email) for user in new
            )
    return ids


def create_future_slots(office_ids: list[int], weeks: int) -> int:
    """Weekday slots, 10:00–16:00 every 30 minutes, for every counsellor of the offices."""
    start = timezone.localdate() + dt.timedelta(days=1)
    columns, placeholders, defaults = _the_rest(Slot, SLOT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO bookings_slot ({SLOT_COLUMNS}{columns})
            SELECT c.office_id, c.id, t, t + interval '30 minutes', 'consultation', 1, '', ''
                {placeholders}
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
            [*defaults, weeks * 7, start, office_ids, start],
        )
        return cursor.rowcount


def create_past_bookings(
    office_ids: list[int], total: int, people: int = 20000, slots_for: int = 1_000_000
) -> int:
    """`total` more past bookings (held, cancelled or no-show), 4 per past slot that has
    none yet. Past slots for `slots_for` bookings are made on the first call."""
    password = make_password("bench-pass-2026")
    emails = [f"bench-p{g}@example.jp" for g in range(1, people + 1)]
    _bulk_users(emails, password, is_staff=False)
    slot_columns, slot_placeholders, slot_defaults = _the_rest(Slot, SLOT_COLUMNS)
    columns, placeholders, defaults = _the_rest(Booking, BOOKING_COLUMNS)
    with connection.cursor() as cursor:
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
            f"""
            INSERT INTO bookings_slot ({SLOT_COLUMNS}{slot_columns})
            SELECT c.office_id, c.id, t, t + interval '30 minutes', 'consultation', 1, '', ''
                {slot_placeholders}
            FROM bookings_counsellor c
            CROSS JOIN generate_series(1, %s) k
            CROSS JOIN LATERAL (
                SELECT date_trunc('hour', now()) - interval '2 days'
                    - (k * interval '30 minutes') AS t
            ) slot_time
            WHERE c.office_id = ANY(%s)
            ON CONFLICT DO NOTHING
            """,
            [*slot_defaults, per_counsellor, office_ids],
        )
        cursor.execute(
            f"""
            INSERT INTO bookings_booking ({BOOKING_COLUMNS}{columns})
            SELECT s.id, %s + ((s.id * 4 + seat) %% (%s - %s + 1)), seat,
                (ARRAY['completed', 'completed', 'cancelled', 'no_show'])[seat],
                'ベンチ 利用者', 'ベンチ リヨウシャ', '', '+81901234567',
                s.starts_at - interval '3 days', s.starts_at - interval '3 days'
                {placeholders}
            FROM (
                SELECT id, starts_at FROM bookings_slot
                WHERE office_id = ANY(%s) AND starts_at < now() - interval '1 day'
                  AND NOT EXISTS (SELECT 1 FROM bookings_booking b WHERE b.slot_id = bookings_slot.id)
                ORDER BY id LIMIT %s
            ) s
            CROSS JOIN generate_series(1, 4) seat
            """,
            [first_user, last_user, first_user, *defaults, office_ids, slots_needed],
        )
        inserted = cursor.rowcount
        cursor.execute("ANALYZE bookings_booking; ANALYZE bookings_slot;")
        return inserted
