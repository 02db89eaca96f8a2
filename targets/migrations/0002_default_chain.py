"""The default review chain of target sheets, as data (seed 003 第十一、十二条; seed 000 第十四、十五条):
填报 (单位填报人) → 单位负责人审核 → 主管部门审核 → 财政业务科室审核 → 预算绩效管理科审核 → 审核通过."""

from django.db import migrations

from workflow.migration_helpers import create_default_chain

STEPS = [
    (0, "填报", "unit_preparer", None),
    (1, "单位负责人审核", "unit_head", 3),
    (2, "主管部门审核", "dept_reviewer", 5),
    (3, "财政业务科室审核", "finance_desk", 5),
    (4, "预算绩效管理科审核", "performance_section", 5),
]


def load(apps, schema_editor):
    create_default_chain(apps, "targets.targetsheet", "绩效目标审核流程", STEPS)


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial"), ("workflow", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
