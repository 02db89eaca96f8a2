"""Demo ex-ante assessments: six new subjects of 示范市第一中学 (applied for through the library's own
service) and their assessments, one at each interesting point: approved 予以支持 with a third-party
assessment commissioned beside it, approved 完善后予以支持, approved 不予支持, one waiting for the
finance desk (孙科长), the school's own assessment of a purchased service waiting for its head (郑校长) and
finance's direct assessment waiting for the bureau's leader (王局长). Everything goes through assessments.actions and workflow.actions as the demo
personas, so the history and the audit trail are real; a second run creates nothing. Runs after the
subjects' seeder (INSTALLED_APPS order)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from accounts.models import User
from assessments import actions
from assessments.models import Assessment
from audit.context import acting_as
from core import fiscal
from demo.seed import register
from workflow import actions as workflow

# (subject name, kind, requested amount, fraction of every weight scored, how far: "approved" | "submitted",
#  commission a third party beside it?, who assesses: the department, the purchasing unit or finance directly)
SHOWCASE = [
    ("第一中学课后托管服务购买项目", "purchased_service", "680000", "0.92", "approved", True, "department"),
    ("第一中学智慧校园平台建设项目", "project", "1200000", "0.72", "approved", False, "department"),
    ("第一中学研学旅行基地建设项目", "project", "2600000", "0.48", "approved", False, "department"),
    ("第一中学学生心理健康服务购买项目", "purchased_service", "360000", "0.85", "submitted", False, "department"),
    # seed 000 第七、九条: the school assesses its own purchased service; it waits for the school's head
    ("第一中学校园保洁服务购买项目", "purchased_service", "420000", "0.88", "submitted", False, "purchaser"),
    # seed 000 第十一条: the performance section assesses directly; it waits for the bureau's leader
    ("第一中学食堂设备更新项目", "project", "950000", "0.78", "submitted", False, "finance"),
]
STARTERS = {"department": "edu_reviewer", "purchaser": "edu_preparer", "finance": "perf"}
SUMMARY = "项目立项依据较充分，实施方案基本可行，成本测算与市场价格基本相符。"
REJECT_SUMMARY = "项目与部门职责关联不强，投入规模与预期效益不匹配，筹资方案不落实。"
SUGGESTIONS = "一、进一步细化量化绩效指标；\n二、补充同类服务市场询价材料；\n三、明确合同履约验收标准。"
PERSONAS = ["edu_preparer", "edu_reviewer", "desk_edu", "perf", "agency"]


def _subject(school, provider, name: str, kind: str, amount: str):
    from subjects import services as subject_services
    from subjects.models import PurchasedServiceDetail, Subject

    year = fiscal.default_year()
    subject = Subject(
        name=name,
        kind=kind,
        organisation=school,
        fiscal_year=year,
        start_year=year,
        end_year=year,
        duration="one_off",
        is_new=True,
        budget_kind="general",
        fund_sources=["local"],
        function_subject_code="2050203",
        category="other_special",
        sub_category="special_business",
        start_date=datetime.date(year, 3, 1),
        end_date=datetime.date(year, 12, 31),
        basis="《示范市教育事业发展“十四五”规划》及学校年度工作计划",
        necessity="满足学生和家长的现实需求，补齐学校服务短板。",
        feasibility="已完成需求调研和市场询价。",
    )
    detail = None
    if kind == "purchased_service":
        detail = PurchasedServiceDetail(
            purchaser=school,
            provider=provider,
            contract_amount=Decimal(amount),
            contract_start=datetime.date(year, 3, 1),
            contract_end=datetime.date(year, 12, 31),
            contract_content=name,
            on_guidance_catalogue=True,
            outside_negative_list=True,
        )
    return subject_services.create_subject(
        subject, previous_amount=Decimal("0"), requested_amount=Decimal(amount), detail=detail, reason="演示数据"
    )


def _score(assessment, user, fraction: str, summary: str):
    scores = {
        s.point_id: {
            "score": (s.point.weight * Decimal(fraction)).quantize(Decimal("0.5")),
            "finding": f"{s.point.name}：{'基本符合要求' if Decimal(fraction) >= Decimal('0.6') else '论证不充分'}。",
        }
        for s in assessment.scores.select_related("point")
    }
    return actions.save_scores(
        assessment, user, assessment.version, scores=scores, summary=summary, suggestions=SUGGESTIONS
    )


@register
def seed_assessments(seeder) -> None:
    from subjects.models import Subject

    school, agency_org = seeder.index.get("city:unit:教育:0"), seeder.index.get("agency")
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    if school is None or agency_org is None or len(users) < len(PERSONAS):
        return
    desk, perf = users["desk_edu"], users["perf"]
    for name, kind, amount, fraction, until, third_party, by in SHOWCASE:
        subject = Subject.objects.filter(organisation=school, name=name).first()
        if subject is not None and Assessment.objects.filter(subject=subject).exists():
            continue  # seeded before
        if subject is None:
            with acting_as(users["edu_preparer"]):
                subject = _subject(school, seeder.index.get("provider"), name, kind, amount)
            seeder.created += 1
        summary = SUMMARY if Decimal(fraction) >= Decimal("0.6") else REJECT_SUMMARY
        starter = users[STARTERS[by]]
        with acting_as(starter):
            assessment = actions.start_assessment(subject, starter, kind=by, reason="演示数据")
            assessment = _score(assessment, starter, fraction, summary)
            workflow.submit(assessment, starter, assessment.version, "请审核")
        seeder.created += 1
        if until == "submitted":
            continue
        with acting_as(desk):
            workflow.approve(assessment, desk, assessment.version, "材料齐全，同意")
        with acting_as(perf):
            workflow.approve(assessment, perf, assessment.version, "同意")
        if third_party:
            with acting_as(perf):
                third = actions.commission_third_party(
                    subject, perf, agency_org, "预算金额较大，委托第三方机构独立开展事前绩效评估"
                )
            seeder.created += 1
            with acting_as(users["agency"]):
                _score(third, users["agency"], "0.86", SUMMARY)
