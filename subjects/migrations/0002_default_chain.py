"""The default review chain of 项目 (project library) for all regions, as data.

填报 → 主管部门审核 (5 days) → 财政业务科室审核 (5) → approved = admitted to the library (入库),
provided the ex-ante assessment clears it (subjects.assessment_gate). A system administrator
changes it, or adds a region's own chain, on the 审核流程 page.
"""

from django.db import migrations

from workflow.migration_helpers import create_default_chain

DOCUMENT_TYPE = "subjects.subject"
STEPS = [
    (0, "填报", "unit_preparer", None),
    (1, "主管部门审核", "dept_reviewer", 5),
    (2, "财政业务科室审核", "finance_desk", 5),
]


def create_chain(apps, schema_editor):
    create_default_chain(apps, DOCUMENT_TYPE, "项目入库审核流程", STEPS)


class Migration(migrations.Migration):
    dependencies = [("subjects", "0001_initial"), ("workflow", "0001_initial")]
    operations = [migrations.RunPython(create_chain, migrations.RunPython.noop)]
