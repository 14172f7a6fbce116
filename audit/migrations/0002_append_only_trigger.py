"""On PostgreSQL the database itself refuses to change or delete audit entries.

The model and its queryset already refuse; the trigger also stops raw SQL and any code that
reaches around the ORM's guards. TRUNCATE is left to the table's owner (test flushes, retention).
"""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_auditlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditlog is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
"""

CREATE_TRIGGER = """
CREATE TRIGGER audit_auditlog_append_only
    BEFORE UPDATE OR DELETE ON audit_auditlog
    FOR EACH ROW EXECUTE FUNCTION audit_auditlog_append_only()
"""

DROP_TRIGGER = "DROP TRIGGER IF EXISTS audit_auditlog_append_only ON audit_auditlog"
DROP_FUNCTION = "DROP FUNCTION IF EXISTS audit_auditlog_append_only()"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # No parameters: the `%` in RAISE is PL/pgSQL's placeholder, not the driver's.
        schema_editor.execute(CREATE_FUNCTION, params=None)
        schema_editor.execute(CREATE_TRIGGER, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER, params=None)
        schema_editor.execute(DROP_FUNCTION, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_trigger, drop_trigger, elidable=False),
    ]
