"""Data: the existing rule settings become version 1 of the automatic review's rules; the chain of 部门整体
and 转移支付整体 绩效目标 (填报 by the department reviewer → 财政业务科室审核 → 预算绩效管理科审核); and step 0 of the target chains
gets its 10-day deadline, so a sheet returned to its preparer is due for correction 10 days later
(阿图什市《预算绩效管理第三方服务采购项目技术要求》三（五）2: 因项目变动若有调整的绩效目标，须在10日内同步进行校正)."""

from django.db import migrations
from django.utils import timezone

from workflow.migration_helpers import create_default_chain

CORRECTION_DAYS = 10
DEPARTMENT_OVERALL_STEPS = [
    (0, "部门填报", "dept_reviewer", CORRECTION_DAYS),
    (1, "财政业务科室审核", "finance_desk", 5),
    (2, "预算绩效管理科审核", "performance_section", 5),
]


def forward(apps, schema_editor):
    QualityRuleSet = apps.get_model("targets", "QualityRuleSet")
    QualityRuleSetting = apps.get_model("targets", "QualityRuleSetting")
    first = QualityRuleSet.objects.filter(number=1).first()
    if first is None:
        first = QualityRuleSet.objects.create(number=1, effective_from=timezone.now(),
                                              note="原有规则设置（数据迁移）", created_at=timezone.now())
    QualityRuleSetting.objects.filter(rule_set__isnull=True).update(rule_set=first)

    create_default_chain(apps, "targets.targetsheet.department_overall", "部门整体及转移支付整体绩效目标审核流程",
                         DEPARTMENT_OVERALL_STEPS)
    ChainStep = apps.get_model("workflow", "ChainStep")
    ChainStep.objects.filter(chain__document_type="targets.targetsheet", order=0,
                             deadline_days__isnull=True).update(deadline_days=CORRECTION_DAYS)


class Migration(migrations.Migration):
    dependencies = [("targets", "0003_department_regional_comments_rulesets"), ("workflow", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
