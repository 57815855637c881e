"""On PostgreSQL, a GIN index for full-text search over a statement's quote and context."""

from django.db import migrations

CREATE = """
CREATE INDEX IF NOT EXISTS compliance_statement_search_gin
    ON compliance_statement
    USING gin (to_tsvector('english', quote || ' ' || context));
"""
DROP = "DROP INDEX IF EXISTS compliance_statement_search_gin;"


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_initial")]

    operations = [migrations.RunPython(add_index, drop_index)]
