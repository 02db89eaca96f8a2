"""Version 1 of the quality rules is the set the system started with: in force from the start, not from the
moment the migration ran (a business date before that, such as the demo's, must find it; core/clock.py)."""

import datetime

from django.db import migrations

START = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def forwards(apps, schema_editor):
    apps.get_model("targets", "QualityRuleSet").objects.filter(number=1).update(effective_from=START)


class Migration(migrations.Migration):
    dependencies = [("targets", "0005_rule_set_required")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
