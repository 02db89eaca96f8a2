"""The default review chain of 项目 (project library) for all regions, as data.

填报 → 主管部门审核 (5 days) → 财政业务科室审核 (5) → approved = admitted to the library (入库),
provided the ex-ante assessment clears it (subjects.assessment_gate). A system administrator
changes it, or adds a region's own chain, on the 审核流程 page.
"""

from django.db import migrations

DOCUMENT_TYPE = "subjects.subject"
STEPS = [
    (0, "填报", "unit_preparer", None),
    (1, "主管部门审核", "dept_reviewer", 5),
    (2, "财政业务科室审核", "finance_desk", 5),
]


def create_chain(apps, schema_editor):
    ChainDefinition = apps.get_model("workflow", "ChainDefinition")
    ChainStep = apps.get_model("workflow", "ChainStep")
    if ChainDefinition.objects.filter(document_type=DOCUMENT_TYPE, region__isnull=True).exists():
        return
    chain = ChainDefinition.objects.create(document_type=DOCUMENT_TYPE, region=None, name="项目入库审核流程",
                                           version=1, is_active=True)
    for order, name, role, days in STEPS:
        ChainStep.objects.create(chain=chain, order=order, name=name, role=role, deadline_days=days)


class Migration(migrations.Migration):
    dependencies = [("subjects", "0001_initial"), ("workflow", "0001_initial")]
    operations = [migrations.RunPython(create_chain, migrations.RunPython.noop)]
