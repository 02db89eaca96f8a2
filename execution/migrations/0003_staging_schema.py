"""PostgreSQL: the schema where loads stage their rows in UNLOGGED tables (execution.loading, docs/decisions/0014).

A role that may not create tables there (see docs/admin-guide.md for the grant) stages in TEMPORARY tables
instead: the same result, without parallel query. Nothing on SQLite.
"""

from django.db import migrations

SCHEMA = "jixiao_staging"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")


class Migration(migrations.Migration):
    dependencies = [("execution", "0002_execution_fk_without_db_constraint")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
