"""On PostgreSQL, store each statement's search vector in a generated column with a GIN index.

Ranking a broad full-text search needs the vector of every matching row; with only an
expression index PostgreSQL recomputed ``to_tsvector`` for each of them. The stored column
(``search_vector``, kept up to date by PostgreSQL itself) replaces the expression index of
migration 0002. The column is not a model field: only the statement search reads it.
"""

from django.db import migrations

CREATE = """
ALTER TABLE compliance_statement
    ADD COLUMN IF NOT EXISTS search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('english'::regconfig, quote || ' ' || context)) STORED;
CREATE INDEX IF NOT EXISTS compliance_statement_search_vector_gin
    ON compliance_statement USING gin (search_vector);
DROP INDEX IF EXISTS compliance_statement_search_gin;
"""
DROP = """
DROP INDEX IF EXISTS compliance_statement_search_vector_gin;
ALTER TABLE compliance_statement DROP COLUMN IF EXISTS search_vector;
CREATE INDEX IF NOT EXISTS compliance_statement_search_gin
    ON compliance_statement
    USING gin (to_tsvector('english', quote || ' ' || context));
"""


def add_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_column(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_statement_search_index")]

    operations = [migrations.RunPython(add_column, drop_column)]
