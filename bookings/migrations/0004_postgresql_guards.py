"""Guards only PostgreSQL can give: no overlapping open slots of one counsellor, and no
active booking on a seat beyond the slot's capacity."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings_slot ADD CONSTRAINT slot_no_overlap_per_counsellor
    EXCLUDE USING gist (counsellor_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (cancelled_at IS NULL);

CREATE OR REPLACE FUNCTION booking_seat_within_capacity() RETURNS trigger AS $$
DECLARE
    slot_capacity integer;
BEGIN
    IF NEW.status IN ('requested', 'confirmed') THEN
        SELECT capacity INTO slot_capacity FROM bookings_slot WHERE id = NEW.slot_id;
        IF NEW.seat > slot_capacity THEN
            RAISE EXCEPTION 'seat % is beyond the capacity % of slot %',
                NEW.seat, slot_capacity, NEW.slot_id
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER booking_seat_within_capacity
    BEFORE INSERT OR UPDATE ON bookings_booking
    FOR EACH ROW EXECUTE FUNCTION booking_seat_within_capacity();
"""
DROP = """
DROP TRIGGER IF EXISTS booking_seat_within_capacity ON bookings_booking;
DROP FUNCTION IF EXISTS booking_seat_within_capacity();
ALTER TABLE bookings_slot DROP CONSTRAINT IF EXISTS slot_no_overlap_per_counsellor;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0003_slots_and_bookings")]
    operations = [migrations.RunPython(forwards, backwards)]
