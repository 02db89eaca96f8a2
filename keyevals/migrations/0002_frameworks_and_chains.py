"""The default indicator frameworks (version 1, in force from 2000-01-01, ADR 0017) and the review chains of the work
plan and the report.

* 通用框架: 决策 / 过程 / 产出 / 效益 with 产出 + 效益 at least 60 % of the weight (*practice*: 财预〔2020〕10号; DOMAIN.md
  "key evaluation framework"), grades 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, 差 (seed 000 第二十八条).
* 附件5-1: 业务指标 (目标设定情况, 目标完成程度) and 财务指标 (资金落实情况, 实际支出情况), graded 优秀 ≥ 85, 良好 ≥ 70,
  合格 ≥ 60, 不合格 (seed 003 附件5-2 填报说明 7); no share rule.
* 附件2 综合评价: 共性指标 40, 个性指标 30, 定性指标 30 (seed 003 附件2 第三部分), A ≥ 85 … D; no 60 % rule.
"""

import datetime

from django.db import migrations

from workflow.migration_helpers import create_default_chain

NATIONAL_GRADES = [
    {"label": "优", "min": "90"},
    {"label": "良", "min": "80"},
    {"label": "中", "min": "60"},
    {"label": "差", "min": "0"},
]

FRAMEWORKS = [
    {
        "code": "national",
        "name": "重点评价通用指标框架",
        "groups": [
            {"name": "决策", "suggested": "15"},
            {"name": "过程", "suggested": "15"},
            {"name": "产出", "suggested": "40"},
            {"name": "效益", "suggested": "30"},
        ],
        "share_rules": [{"label": "产出和效益", "groups": ["产出", "效益"], "min": "60"}],
        "grade_lines": NATIONAL_GRADES,
        "note": "实践做法（财预〔2020〕10号）：产出、效益指标权重合计不低于60%，可按区划调整",
    },
    {
        "code": "business_finance",
        "name": "项目支出评价指标（业务、财务）",
        "groups": [
            {"name": "业务指标", "suggested": "70"},
            {"name": "财务指标", "suggested": "30"},
        ],
        "share_rules": [],
        "grade_lines": [
            {"label": "优秀", "min": "85"},
            {"label": "良好", "min": "70"},
            {"label": "合格", "min": "60"},
            {"label": "不合格", "min": "0"},
        ],
        "note": "长治市预算绩效评价报告 附件5-1、5-2",
    },
    {
        "code": "composite",
        "name": "部门整体支出综合评价",
        "groups": [
            {"name": "共性指标", "suggested": "40"},
            {"name": "个性指标", "suggested": "30"},
            {"name": "定性指标", "suggested": "30"},
        ],
        "share_rules": [
            {"label": "共性指标", "groups": ["共性指标"], "equals": "40"},
            {"label": "个性指标", "groups": ["个性指标"], "equals": "30"},
            {"label": "定性指标", "groups": ["定性指标"], "equals": "30"},
        ],
        "grade_lines": [
            {"label": "A", "min": "85"},
            {"label": "B", "min": "70"},
            {"label": "C", "min": "60"},
            {"label": "D", "min": "0"},
        ],
        "note": "附件2 第三部分：定量指标70分（共性40、个性30），定性指标30分",
    },
]

# Plans and reports: drafted by the working group (or the commissioned agency), approved by the organising office (a
# department organiser approves at its reviewer's step: departments have no head account of their own in the chains).
CHAINS = {
    "keyevals.workplan": ("重点评价工作方案审批流程", [(0, "编制方案", "performance_section", None), (1, "局领导审定", "bureau_leader", 5)]),
    "keyevals.workplan.agency": (
        "重点评价工作方案审批流程（第三方机构编制）",
        [(0, "机构编制方案", "agency", None), (1, "预算绩效管理科审核", "performance_section", 5)],
    ),
    "keyevals.workplan.department": (
        "重点评价工作方案审批流程（主管部门组织）",
        [(0, "编制方案", "dept_reviewer", None), (1, "主管部门审定", "dept_reviewer", 5)],
    ),
    "keyevals.workplan.department_agency": (
        "重点评价工作方案审批流程（主管部门委托第三方）",
        [(0, "机构编制方案", "agency", None), (1, "主管部门审核", "dept_reviewer", 5)],
    ),
    "keyevals.evaluationreport": (
        "重点评价报告审核流程",
        [(0, "撰写报告", "performance_section", None), (1, "局领导审定", "bureau_leader", 10)],
    ),
    "keyevals.evaluationreport.agency": (
        "重点评价报告审核流程（第三方机构撰写）",
        [(0, "机构撰写报告", "agency", None), (1, "预算绩效管理科审核", "performance_section", 10)],
    ),
    "keyevals.evaluationreport.department": (
        "重点评价报告审核流程（主管部门组织）",
        [(0, "撰写报告", "dept_reviewer", None), (1, "主管部门审定", "dept_reviewer", 10)],
    ),
    "keyevals.evaluationreport.department_agency": (
        "重点评价报告审核流程（主管部门委托第三方）",
        [(0, "机构撰写报告", "agency", None), (1, "主管部门审核", "dept_reviewer", 10)],
    ),
}


def load(apps, schema_editor):
    Framework = apps.get_model("keyevals", "IndicatorFramework")
    for spec in FRAMEWORKS:
        if not Framework.objects.filter(code=spec["code"], region__isnull=True).exists():
            Framework.objects.create(version=1, effective_from=datetime.date(2000, 1, 1), **spec)
    for document_type, (name, steps) in CHAINS.items():
        create_default_chain(apps, document_type, name, steps)


class Migration(migrations.Migration):
    dependencies = [("keyevals", "0001_initial"), ("workflow", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
