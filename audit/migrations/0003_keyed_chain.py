"""The keyed audit chain (docs/decisions/0021-keyed-audit-chain.md).

Rows written before this migration keep verifying with the algorithm they were hashed by: they get
``algorithm = 'sha256'`` (the unkeyed legacy function) and no key id. Nothing is re-hashed: the table
refuses UPDATE. New rows are HMAC-SHA256 over every stored field.

On SQLite, adding a NOT NULL column rebuilds the table, which drops its triggers: they are created again.
"""

import importlib

from django.db import migrations, models

append_only = importlib.import_module("audit.migrations.0002_append_only")


def sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in append_only.SQLITE_BACKWARD + append_only.SQLITE_FORWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0002_append_only'),
    ]

    operations = [
        # Backwards, the columns' removal rebuilds the table again: this step, undone last, restores the triggers.
        migrations.RunPython(migrations.RunPython.noop, sqlite_triggers),
        migrations.AddField(
            model_name='auditentry',
            name='algorithm',
            field=models.CharField(default='sha256', max_length=20, verbose_name='哈希算法'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditentry',
            name='key_id',
            field=models.CharField(blank=True, default='', max_length=16, verbose_name='密钥标识'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='hash',
            field=models.CharField(max_length=64, verbose_name='哈希'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='prev_hash',
            field=models.CharField(max_length=64, verbose_name='上一条哈希'),
        ),
        migrations.RunPython(sqlite_triggers, migrations.RunPython.noop),
    ]
