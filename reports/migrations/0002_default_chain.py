"""The default review chain of 工作报告 for all regions, as data (issue §9).

填报 → 单位负责人审核 (3 days) → 主管部门审核 (5) → 财政业务科室审核 (5) → 预算绩效管理科审核 (5) → approved.
A system administrator changes it, or adds a region's own chain, on the 审核流程 page.
"""

from django.db import migrations

from workflow.migration_helpers import create_default_chain

DOCUMENT_TYPE = "reports.workreport"
STEPS = [
    (0, "填报", "unit_preparer", None),
    (1, "单位负责人审核", "unit_head", 3),
    (2, "主管部门审核", "dept_reviewer", 5),
    (3, "财政业务科室审核", "finance_desk", 5),
    (4, "预算绩效管理科审核", "performance_section", 5),
]


def create_chain(apps, schema_editor):
    create_default_chain(apps, DOCUMENT_TYPE, "工作报告审核流程", STEPS)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial"), ("workflow", "0001_initial")]
    operations = [migrations.RunPython(create_chain, migrations.RunPython.noop)]
