"""Load the indicator handbook of seed 003 附件2 (indicators/handbook.py) into the library."""

from django.db import migrations


def load(apps, schema_editor):
    from indicators.handbook import INDICATORS, search_text

    Indicator = apps.get_model("indicators", "Indicator")
    for row in INDICATORS:
        if Indicator.objects.filter(code=row["code"]).exists():
            continue
        Indicator.objects.create(**row, source="seed 003 附件2", search_text=search_text(row))


def unload(apps, schema_editor):
    apps.get_model("indicators", "Indicator").objects.filter(source="seed 003 附件2").delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0002_default_chain")]
    operations = [migrations.RunPython(load, unload)]
