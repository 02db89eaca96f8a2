"""Demo 工作报告 for 示范市第一中学, one at each interesting point of the chain. They go through
workflow.actions as the demo personas, so the history and the audit trail are real."""

from __future__ import annotations

from accounts.models import User
from audit.context import acting_as
from core import fiscal, services
from demo.seed import register
from reports.models import WorkReport, WorkReportKind
from workflow import actions

CONTENT = (
    "一、基本情况\n本单位按照全面实施预算绩效管理的要求，对{year}年度全部项目支出开展了绩效目标管理、运行监控和绩效自评。\n"
    "二、主要做法\n（一）健全制度，明确分工；（二）目标先行，规范编报；（三）双监控，及时纠偏；（四）全面自评，结果应用。\n"
    "三、存在问题\n部分项目绩效指标细化量化不够，满意度调查样本偏少。\n"
    "四、下一步工作\n加强指标库应用，提升绩效目标质量，强化评价结果与预算安排挂钩。"
)

# (title, kind, year offset, the steps it goes through: (persona, action, opinion[, target step]))
REPORTS = [
    ("{year}年度预算绩效管理工作总结", WorkReportKind.ANNUAL_SUMMARY, -1, [("edu_preparer", "submit", "请审核")]),
    (
        "{year}年度绩效自评工作报告",
        WorkReportKind.SELF_EVALUATION,
        -1,
        [("edu_preparer", "submit", ""), ("edu_head", "approve", "同意，报主管部门审核")],
    ),
    (
        "{year}年度预算绩效管理工作总结（已办结）",
        WorkReportKind.ANNUAL_SUMMARY,
        -2,
        [
            ("edu_preparer", "submit", ""),
            ("edu_head", "approve", "同意"),
            ("edu_reviewer", "approve", "同意"),
            ("desk_edu", "approve", "材料齐全"),
            ("perf", "approve", "同意备案"),
        ],
    ),
    (
        "{year}年度预算绩效管理工作计划",
        WorkReportKind.WORK_PLAN,
        0,
        [("edu_preparer", "submit", ""), ("edu_head", "return", "工作计划缺少时间安排和责任分工，请补充后重新提交", 0)],
    ),
]


@register
def seed_work_reports(seeder) -> None:
    school = seeder.index.get("city:unit:教育:0")
    if school is None:
        return
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["edu_preparer", "edu_head", "edu_reviewer", "desk_edu", "perf"])
    }
    if len(users) < 5:
        return
    this_year = fiscal.default_year()
    for title, kind, offset, steps in REPORTS:
        year = this_year + offset
        title = title.format(year=year)
        if WorkReport.objects.filter(organisation=school, fiscal_year=year, title=title).exists():
            continue
        with acting_as(users["edu_preparer"]):
            report = services.create_record(
                WorkReport(
                    title=title, kind=kind, fiscal_year=year, organisation=school, content=CONTENT.format(year=year)
                )
            )
        seeder.created += 1
        for persona, action, opinion, *target in steps:
            with acting_as(users[persona]):
                actions.perform(action, report, users[persona], report.version, opinion, target[0] if target else None)
