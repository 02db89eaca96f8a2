import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("targets", "0004_rule_set_v1_and_chains")]

    operations = [
        migrations.AlterField(
            model_name="qualityrulesetting",
            name="rule_set",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="settings",
                                    to="targets.qualityruleset", verbose_name="规则版本"),
        ),
    ]
