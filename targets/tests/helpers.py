"""Helpers for the target-sheet tests: a subject of 示范市第一中学 already in the library, a sheet filled so
that the automatic review passes, and the chain walk."""

from __future__ import annotations

import datetime
from decimal import Decimal

from subjects.models import Subject
from subjects.tests.helpers import make_subject, user
from targets import actions
from targets.models import TargetSheet
from workflow import actions as workflow
from workflow.models import ReviewStatus

# The default chain: who acts at each step after the preparer.
# The default chain's reviewers, the budget cycle's last two included (局领导审定, 预算管理科批复: seed 003 第十二条).
WALK = ["edu_head", "edu_reviewer", "desk_edu", "perf", "leader", "budget"]

GOOD_INDICATORS = [
    {
        "horizon": "annual",
        "level1": "output",
        "level2": "quantity",
        "name": "维修校舍面积",
        "comparator": "ge",
        "target_value": "3000",
        "unit": "平方米",
        "weight": Decimal("20"),
        "data_source": "竣工验收单",
        "standard": "plan",
    },
    {
        "horizon": "annual",
        "level1": "output",
        "level2": "quality",
        "name": "工程验收合格率",
        "comparator": "ge",
        "target_value": "100",
        "unit": "%",
        "weight": Decimal("15"),
        "data_source": "验收报告",
        "standard": "industry",
    },
    {
        "horizon": "annual",
        "level1": "output",
        "level2": "timeliness",
        "name": "按期完工率",
        "comparator": "ge",
        "target_value": "95",
        "unit": "%",
        "weight": Decimal("5"),
        "data_source": "施工日志",
        "standard": "plan",
    },
    {
        "horizon": "annual",
        "level1": "cost",
        "level2": "economic_cost",
        "name": "维修改造成本",
        "comparator": "le",
        "target_value": "45",
        "unit": "万元",
        "weight": Decimal("10"),
        "data_source": "结算审计",
        "standard": "plan",
    },
    {
        "horizon": "annual",
        "level1": "effect",
        "level2": "social_benefit",
        "name": "消除校舍安全隐患",
        "comparator": "qualitative",
        "target_value": "达到预期",
        "unit": "",
        "weight": Decimal("30"),
        "data_source": "安全检查记录",
        "standard": "plan",
    },
    {
        "horizon": "annual",
        "level1": "satisfaction",
        "level2": "service_satisfaction",
        "name": "师生满意度",
        "comparator": "ge",
        "target_value": "90",
        "unit": "%",
        "weight": Decimal("10"),
        "data_source": "问卷调查",
        "standard": "history",
    },
    {
        "horizon": "long_term",
        "level1": "effect",
        "level2": "sustainable",
        "name": "校舍使用年限延长",
        "comparator": "ge",
        "target_value": "10",
        "unit": "年",
        "weight": Decimal("0"),
        "data_source": "评估报告",
        "standard": "industry",
    },
]
GOOD_STAGES = [
    {"stage": "方案设计与招标", "start": datetime.date(2026, 3, 1), "finish": datetime.date(2026, 4, 30)},
    {"stage": "施工与验收", "start": datetime.date(2026, 5, 1), "finish": datetime.date(2026, 9, 30)},
]
GOOD_DATA = {
    "annual_goal": "完成教学楼屋面及外墙维修 3000 平方米，消除安全隐患。",
    "long_term_goal": "",
    "measure_organisation": "成立项目领导小组，校长任组长。",
    "measure_rules": "执行学校工程管理制度和财务管理制度。",
    "measure_plan": "按进度计划分两阶段实施。",
}


def library_subject(name: str = "测试目标校舍维修项目", stage: str = "funded", **fields) -> Subject:
    subject = make_subject(name=name, **fields)
    Subject.objects.filter(pk=subject.pk).update(status=ReviewStatus.APPROVED, stage=stage, current_role="")
    subject.refresh_from_db()
    return subject


def fresh(sheet) -> TargetSheet:
    return TargetSheet.objects.select_related("chain", "subject").get(pk=sheet.pk)


def good_sheet(subject=None, indicators=None, **data) -> TargetSheet:
    subject = subject or library_subject()
    sheet = actions.create_sheet(subject, user("edu_preparer"), 2026)
    return actions.save_sheet(
        sheet,
        user("edu_preparer"),
        sheet.version,
        data={**GOOD_DATA, **data},
        indicators=GOOD_INDICATORS if indicators is None else indicators,
        stages=GOOD_STAGES,
    )


def walk(sheet, steps=WALK) -> TargetSheet:
    workflow.submit(sheet, user("edu_preparer"), sheet.version)
    for username in steps:
        workflow.approve(sheet, user(username), sheet.version, "同意")
    return fresh(sheet)
