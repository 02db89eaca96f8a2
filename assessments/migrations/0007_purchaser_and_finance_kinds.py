"""The purchasing unit's assessment of a purchased service (seed 000 第七、九条: 购买主体……开展事前绩效评估) and finance's
own (seed 000 第十一条: 财政部门可以根据工作需要，直接开展……事前绩效评估), each with a default chain of its own:

- 购买主体评估: 评估填报 (单位填报人) → 单位负责人审核 → 主管部门审核 (seed 000 第六条: 主管部门……指导、督促所属政府购买服务项目单位
  做好事前绩效评估) → 财政业务科室审核 → 预算绩效管理科审核 (第五条: 对事前绩效评估结果进行审核);
- 财政直接评估: 评估填报 (预算绩效管理科) → 局领导审定.

A region changes either on the chain page like any other chain.
"""

from django.db import migrations, models

from workflow.migration_helpers import create_default_chain

CHAINS = [
    (
        "assessments.assessment.purchaser",
        "购买主体事前绩效评估审核流程",
        [
            (0, "评估填报", "unit_preparer", None),
            (1, "单位负责人审核", "unit_head", 3),
            (2, "主管部门审核", "dept_reviewer", 5),
            (3, "财政业务科室审核", "finance_desk", 5),
            (4, "预算绩效管理科审核", "performance_section", 5),
        ],
    ),
    (
        "assessments.assessment.finance",
        "财政直接事前绩效评估审核流程",
        [
            (0, "评估填报", "performance_section", None),
            (1, "局领导审定", "bureau_leader", 5),
        ],
    ),
]


def load(apps, schema_editor):
    for document_type, name, steps in CHAINS:
        create_default_chain(apps, document_type, name, steps)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0006_assessment_list_order"), ("workflow", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="assessment",
            name="kind",
            field=models.CharField(
                choices=[
                    ("department", "部门评估"),
                    ("purchaser", "购买主体评估"),
                    ("finance", "财政直接评估"),
                    ("third_party", "第三方独立评估"),
                ],
                default="department",
                max_length=20,
                verbose_name="评估方式",
            ),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
