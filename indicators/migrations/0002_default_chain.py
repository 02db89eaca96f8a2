"""The default review chain of 指标提议: the department proposes, the performance section approves into the library."""

from django.db import migrations

from workflow.migration_helpers import create_default_chain

DOCUMENT_TYPE = "indicators.indicatorproposal"
STEPS = [
    (0, "提议", "dept_reviewer", None),
    (1, "预算绩效管理科审核", "performance_section", 10),
]


def create_chain(apps, schema_editor):
    create_default_chain(apps, DOCUMENT_TYPE, "指标提议审核流程", STEPS)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial"), ("workflow", "0001_initial")]
    operations = [migrations.RunPython(create_chain, migrations.RunPython.noop)]
