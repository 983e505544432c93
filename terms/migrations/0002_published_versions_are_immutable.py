"""On PostgreSQL, the database itself refuses to change or delete a published version."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION terms_version_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.published_at IS NOT NULL THEN
            RAISE EXCEPTION 'terms version % is published and cannot be deleted', OLD.id;
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.published_at IS NOT NULL AND (
        NEW.text IS DISTINCT FROM OLD.text
        OR NEW.text_sha256 IS DISTINCT FROM OLD.text_sha256
        OR NEW.number IS DISTINCT FROM OLD.number
        OR NEW.document_id IS DISTINCT FROM OLD.document_id
        OR NEW.change_summary IS DISTINCT FROM OLD.change_summary
        OR NEW.published_at IS DISTINCT FROM OLD.published_at
        OR NEW.effective_at IS DISTINCT FROM OLD.effective_at
    ) THEN
        RAISE EXCEPTION 'terms version % is published and cannot change', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER terms_version_frozen
    BEFORE UPDATE OR DELETE ON terms_termsversion
    FOR EACH ROW EXECUTE FUNCTION terms_version_frozen();
"""
DROP = """
DROP TRIGGER IF EXISTS terms_version_frozen ON terms_termsversion;
DROP FUNCTION IF EXISTS terms_version_frozen();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("terms", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
