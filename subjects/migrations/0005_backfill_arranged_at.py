"""Funding dates were inferred from the audit trail (the 安排预算 transition); they are stored now. Each year row
that finance arranged takes the time of the first 安排预算 entry naming its year (else the subject's first one)."""

import re

from django.db import migrations

YEAR = re.compile(r"^(\d{4})年度财政实际安排$")


def forwards(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    SubjectYearAmount = apps.get_model("subjects", "SubjectYearAmount")
    first: dict[tuple[int, int | None], object] = {}
    entries = AuditEntry.objects.filter(
        object_type="subjects.subject", action="transition", reason__startswith="安排预算"
    ).order_by("pk")
    for entry in entries.iterator():
        try:
            subject_id = int(entry.object_id)
        except (TypeError, ValueError):
            continue
        years = [int(m.group(1)) for key in (entry.changes or {}) if (m := YEAR.match(key))]
        for year in years or [None]:
            first.setdefault((subject_id, year), entry.created_at)
    for row in SubjectYearAmount.objects.filter(arranged_amount__isnull=False, arranged_at__isnull=True):
        when = first.get((row.subject_id, row.fiscal_year)) or first.get((row.subject_id, None))
        if when is not None:
            SubjectYearAmount.objects.filter(pk=row.pk).update(arranged_at=when)


class Migration(migrations.Migration):
    dependencies = [("subjects", "0004_year_amount_arranged_at"), ("audit", "0002_append_only")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
