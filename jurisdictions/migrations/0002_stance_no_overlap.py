"""On PostgreSQL, forbid overlapping stance periods of one jurisdiction in the database.

Other databases (the embedded SQLite default) rely on ``PolicyStance.clean()`` and the
stance services instead.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE jurisdictions_policystance
    ADD CONSTRAINT jurisdictions_policystance_no_overlap
    EXCLUDE USING gist (
        jurisdiction_id WITH =,
        daterange(effective_from, effective_to, '[]') WITH &&
    );
"""
DROP = (
    "ALTER TABLE jurisdictions_policystance "
    "DROP CONSTRAINT IF EXISTS jurisdictions_policystance_no_overlap;"
)


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("jurisdictions", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
