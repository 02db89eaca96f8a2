"""Demo target sheets of 示范市第一中学, through the real actions as the demo personas (history and audit
trail are real): a draft with quality findings (vague wording), one waiting for the unit head (edu_head),
one approved, and one approved then adjusted (version 2 in review). A second run creates nothing.
Runs after the subjects' seeder (INSTALLED_APPS order)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from audit.context import acting_as
from core import fiscal
from demo.seed import register

PERSONAS = ["edu_preparer", "edu_head", "edu_reviewer", "desk_edu", "perf", "budget"]
APPROVERS = ["edu_head", "edu_reviewer", "desk_edu", "perf"]
# An extra subject of the school, admitted and funded for the adjusted sheet (the showcase has too few).
EXTRA_SUBJECT = "第一中学食堂设施改造项目"


def _indicators(name: str, amount: Decimal, vague: bool = False) -> list[dict]:
    wan = (amount / Decimal("10000")).quantize(Decimal("0.1"))
    rows = [
        ("annual", "output", "quantity", f"{name}完成数量", "ge", "1", "项", 20, "验收资料", "plan"),
        ("annual", "output", "quality", "验收合格率", "ge", "100", "%", 15, "验收报告", "industry"),
        ("annual", "output", "timeliness", "按计划完成率", "ge", "95", "%", 5, "工作台账", "plan"),
        ("annual", "cost", "economic_cost", "项目总成本", "le", f"{wan}", "万元", 10, "财务决算", "plan"),
        ("annual", "effect", "social_benefit", "办学条件改善", "qualitative", "达到预期", "", 30, "学校总结", "plan"),
        ("annual", "satisfaction", "service_satisfaction", "师生满意度", "ge", "90", "%", 10, "问卷调查", "history"),
        ("long_term", "effect", "sustainable", "设施持续发挥作用年限", "ge", "5", "年", 0, "资产台账", "industry"),
    ]
    if vague:
        rows[4] = ("annual", "effect", "social_benefit", "办学条件改善", "qualitative", "明显改善", "", 30, "学校总结",
                   "plan")
    keys = ["horizon", "level1", "level2", "name", "comparator", "target_value", "unit", "weight", "data_source",
            "standard"]
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _data(subject) -> dict:
    return {"annual_goal": f"按计划完成{subject.name}，改善学校办学条件，师生满意度不低于 90%。",
            "long_term_goal": "项目实施期内持续改善办学条件，设施长期稳定运行。",
            "measure_organisation": "成立由校长任组长的项目实施领导小组，总务处具体负责。",
            "measure_rules": "执行学校财务管理、政府采购和工程管理制度。",
            "measure_plan": "按季度推进，每月向领导小组报告进度。"}


def _stages(year: int) -> list[dict]:
    return [{"stage": "前期准备与采购", "start": datetime.date(year, 3, 1), "finish": datetime.date(year, 5, 31)},
            {"stage": "组织实施", "start": datetime.date(year, 6, 1), "finish": datetime.date(year, 10, 31)},
            {"stage": "验收与总结", "start": datetime.date(year, 11, 1), "finish": datetime.date(year, 12, 20)}]


def _extra_subject(school, users):
    """A funded subject for the adjustment showcase, through the library's own actions."""
    from subjects import actions as lifecycle
    from subjects import services as subject_services
    from subjects.models import Subject
    from workflow import actions as workflow

    subject = Subject.objects.filter(organisation=school, name=EXTRA_SUBJECT).first()
    if subject is not None:
        return subject
    year = fiscal.default_year()
    amount = Decimal("860000.00")
    subject = Subject(name=EXTRA_SUBJECT, kind="project", organisation=school, fiscal_year=year, start_year=year,
                      end_year=year, duration="one_off", is_new=False, budget_kind="general", fund_sources=["local"],
                      function_subject_code="2050203", category="administrative", sub_category="maintenance",
                      start_date=datetime.date(year, 3, 1), end_date=datetime.date(year, 12, 31),
                      basis="《示范市学校食堂建设与管理规范》", feasibility="方案经学校行政会研究。",
                      necessity="食堂设施老化，存在食品安全隐患。")
    with acting_as(users["edu_preparer"]):
        subject_services.create_subject(subject, previous_amount=Decimal("0"), requested_amount=amount)
    for persona in ("edu_preparer", "edu_reviewer", "desk_edu"):
        with acting_as(users[persona]):
            workflow.perform("submit" if persona == "edu_preparer" else "approve", subject, users[persona],
                             subject.version, "" if persona == "edu_preparer" else "同意")
    with acting_as(users["budget"]):
        lifecycle.fund(subject, users["budget"], subject.version, amount, reason="按财力安排")
    return subject


@register
def seed_targets(seeder) -> None:
    from subjects.models import Subject, SubjectYearAmount
    from targets import actions
    from targets.models import TargetSheet
    from workflow import actions as workflow

    school = seeder.index.get("city:unit:教育:0")
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    if school is None or len(users) < len(PERSONAS):
        return
    preparer = users["edu_preparer"]
    try:
        extra = _extra_subject(school, users)
    except (ValidationError, PermissionDenied) as exc:
        seeder.out(f"  演示项目“{EXTRA_SUBJECT}”未能安排预算：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
        extra = None
    plan = [("第一中学学生资助补助", "draft"), ("第一中学体育场地改造项目", "head"),
            ("第一中学校园安保服务", "approved"), (EXTRA_SUBJECT, "adjusted")]
    for name, until in plan:
        subject = extra if name == EXTRA_SUBJECT else Subject.objects.filter(organisation=school, name=name).first()
        if subject is None or subject.stage not in actions.OPEN_STAGES:
            continue
        if TargetSheet.objects.filter(subject=subject, fiscal_year=subject.fiscal_year).exists():
            continue  # seeded before
        row = SubjectYearAmount.objects.filter(subject=subject, fiscal_year=subject.fiscal_year).first()
        amount = row.requested_amount if row else Decimal("100000")
        try:
            with acting_as(preparer):
                sheet = actions.create_sheet(subject, preparer, subject.fiscal_year, reason="演示数据")
                sheet = actions.save_sheet(sheet, preparer, sheet.version, data=_data(subject),
                                           indicators=_indicators(subject.name[4:8], amount, vague=until == "draft"),
                                           stages=_stages(subject.fiscal_year))
            seeder.created += 1
            if until == "draft":
                continue
            with acting_as(preparer):
                workflow.submit(sheet, preparer, sheet.version, "请审核")
            if until == "head":
                continue
            for persona in APPROVERS:
                with acting_as(users[persona]):
                    workflow.approve(sheet, users[persona], sheet.version, "同意")
            if until == "adjusted":
                with acting_as(preparer):
                    v2 = actions.adjust(sheet, preparer, "食堂改造范围扩大，调整数量和时效指标")
                    rows = _indicators(subject.name[4:8], amount)
                    rows[0]["target_value"] = "2"
                    rows[2]["target_value"] = "98"
                    v2 = actions.save_sheet(v2, preparer, v2.version, indicators=rows)
                    workflow.submit(v2, preparer, v2.version, "调整后请审核")
                seeder.created += 1
                with acting_as(users["edu_head"]):
                    workflow.approve(v2, users["edu_head"], v2.version, "同意调整")
        except (ValidationError, PermissionDenied) as exc:
            seeder.out(f"  演示绩效目标“{name}”停在当前环节：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
