"""The demo's key evaluations (issue 14): three evaluations organised by the city's performance section, each taken
as far as this part goes, every step through keyevals.actions / keyevals.plan / keyevals.fieldwork / workflow /
the lifecycle, in the name of who takes it, on a business date before the demo's today (core.clock.pinned):

* ``DEMO_AGENCY_TITLE`` — 教育局, commissioned to 示范绩效评价咨询有限公司 under a contract, national framework; the
  agency drafts the plan, the performance section approves it; notice signed for by 教育局; fieldwork; 评分.
  (demo_scoring, demo_report then score, report, conclude and archive it.)
* ``DEMO_FINANCE_TITLE`` — 卫生健康委员会, by the performance section's own working group (李绩效 组长 and three drawn
  experts), 附件5-1 业务/财务 framework; the bureau leader approves the plan; fieldwork; 评分.
* ``DEMO_FIELDWORK_TITLE`` — 2026, 事中, 民政局 (卫生健康委员会 where the demo has no 民政), commissioned to 明正会计师事务所;
  in 评价实施 with one answered and one open document request, a site visit and a consultation note (demo_survey adds
  its satisfaction survey).

Idempotent: an evaluation is found by its title; each step checks whether it was already taken.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import RoleAssignment, User
from accounts.roles import Role
from audit.context import acting_as
from core import clock, services
from demo.seed import DEMO_PASSWORD, register
from keyevals import actions, fieldwork, lifecycle, plan, todo  # noqa: F401 - todo: the 待办 and the records' pages
from keyevals.models import (
    EvaluationStage,
    FrameworkCode,
    KeyEvaluation,
    KeyStatus,
    MemberRole,
    Method,
    ObjectKind,
    RequestStatus,
    WorkingGroupMember,
)
from workflow.models import ReviewStatus

DEMO_AGENCY_TITLE = "2025年度城区学生营养改善计划重点评价"
DEMO_FINANCE_TITLE = "2025年度基层医疗卫生机构运行补助资金重点评价"
DEMO_FIELDWORK_TITLE = "2026年度社区居家养老服务补贴政策事中评价"
D = datetime.date


def demo_evaluation(title: str) -> KeyEvaluation | None:
    """The demo's evaluation of ``title`` organised by the city's performance section (None before seeding)."""
    perf = User.objects.filter(username="perf").first()
    if perf is None or perf.organisation_id is None:
        return None
    return KeyEvaluation.objects.filter(title=title, organiser=perf.organisation).order_by("pk").first()


# ---------------------------------------------------------------------------------------------- the content

NATIONAL = [
    ("决策", "项目立项", "立项依据充分性", "5", "立项符合政策要求和部门职责得满分，依据不充分酌情扣分"),
    ("决策", "绩效目标", "绩效目标合理性", "5", "目标明确、与实际需求匹配得满分，每发现一处不匹配扣1分"),
    ("决策", "资金投入", "预算编制科学性", "5", "预算经论证、测算依据充分得满分，否则酌情扣分"),
    ("过程", "资金管理", "资金到位率", "5", "到位率×5分"),
    ("过程", "资金管理", "资金使用合规性", "5", "无违规得满分，每发现一处违规扣1分"),
    ("过程", "组织实施", "管理制度健全性", "5", "制度健全且有效执行得满分，否则酌情扣分"),
    ("产出", "产出数量", "受益学生覆盖率", "15", "实际覆盖学生数/计划覆盖数×15分"),
    ("产出", "产出质量", "供餐质量抽检合格率", "15", "合格率100%得满分，每低1个百分点扣1分"),
    ("产出", "产出时效", "供餐及时率", "10", "按时供餐天数/应供餐天数×10分"),
    ("效益", "社会效益", "学生营养状况改善情况", "15", "监测指标改善得满分，持平得一半，下降不得分"),
    ("效益", "满意度", "学生和家长满意度", "15", "满意度≥90%得满分，每低1个百分点扣0.5分"),
]

BUSINESS_FINANCE = [
    ("业务指标", "目标设定情况", "绩效目标合理性", "10", "目标明确、细化量化得满分，缺少可考核目标值的酌情扣分"),
    ("业务指标", "目标设定情况", "绩效指标明确性", "10", "指标可衡量、有目标值得满分，否则每项扣1分"),
    ("业务指标", "目标完成程度", "基本公共卫生服务任务完成率", "25", "完成率×25分"),
    ("业务指标", "目标完成程度", "基层诊疗量占比", "15", "达到目标值得满分，每低1个百分点扣1分"),
    ("业务指标", "目标完成程度", "服务对象满意度", "10", "满意度≥90%得满分，每低1个百分点扣0.5分"),
    ("财务指标", "资金落实情况", "补助资金到位率", "10", "到位率×10分"),
    ("财务指标", "实际支出情况", "支出合规性", "10", "无违规得满分，每发现一处违规扣2分"),
    ("财务指标", "实际支出情况", "结余资金控制", "10", "结余率≤5%得满分，每超1个百分点扣1分"),
]

ELDERLY = [
    ("决策", "政策制定", "补贴政策依据充分性", "5", "政策依据充分、程序规范得满分"),
    ("决策", "绩效目标", "补贴对象和标准合理性", "10", "对象认定和补贴标准合理得满分，否则酌情扣分"),
    ("过程", "资金管理", "补贴资金发放及时率", "10", "按时发放人次/应发放人次×10分"),
    ("过程", "组织实施", "服务机构监管有效性", "10", "建立并执行考核监管得满分，否则酌情扣分"),
    ("产出", "产出数量", "居家养老服务覆盖人数", "20", "实际覆盖人数/计划人数×20分"),
    ("产出", "产出质量", "服务质量抽查达标率", "15", "达标率×15分"),
    ("效益", "社会效益", "失能半失能老人照护改善", "15", "照护需求满足率提高得满分，持平得一半"),
    ("效益", "满意度", "服务对象满意度", "15", "满意度≥90%得满分，每低1个百分点扣0.5分"),
]

PLAN_TEXT = {
    "purpose": "全面了解{subject}资金使用和政策实施效果，发现问题，提出改进建议，为预算安排和政策调整提供依据。",
    "basis": "《中华人民共和国预算法》《示范市市级预算绩效管理办法》《示范市财政支出绩效评价管理办法》及相关资金管理办法。",
    "content": "{subject}的决策、过程、产出和效益情况，重点评价资金使用的合规性和政策目标实现程度。",
    "methods_note": "采用比较法、因素分析法和公众评判法，结合资料核查、现场勘查和满意度调查。",
    "schedule": "{start}至{end}开展资料收集和现场评价，随后组织评分并撰写评价报告。",
    "sampling": "按资金规模和区域分布抽取样本单位，满意度调查按服务对象分层随机抽样。",
}

CASES = {
    "agency": {
        "title": DEMO_AGENCY_TITLE,
        "year": 2025,
        "evaluated": "city:dept:教育",
        "agency": "agency",
        "stage": EvaluationStage.EX_POST,
        "object_kind": ObjectKind.PROJECT,
        "amount": "38600000",
        "methods": [Method.COMPARISON, Method.FACTOR, Method.PUBLIC],
        "major": True,
        "framework": FrameworkCode.NATIONAL,
        "indicators": NATIONAL,
        "subject": "城区学生营养改善计划",
        "days": {
            "create": D(2026, 3, 2),
            "submit": D(2026, 3, 10),
            "approve": D(2026, 3, 12),
            "notice": D(2026, 3, 13),
            "sign": D(2026, 3, 16),
            "fieldwork": D(2026, 3, 16),
            "visit": D(2026, 4, 8),
            "consult": D(2026, 4, 20),
            "scoring": D(2026, 5, 15),
        },
        "due": (D(2026, 5, 31), D(2026, 7, 31)),
        "fees": [
            ("委托费", "合同约定", "180000", "180000"),
            ("专家咨询费", "3人×4次×800元", "9600", "9600"),
            ("问卷调查费", "420份×20元", "8400", "8000"),
        ],
        "contract": ("示绩评〔2026〕3号", "城区学生营养改善计划重点评价", "180000"),
    },
    "finance": {
        "title": DEMO_FINANCE_TITLE,
        "year": 2025,
        "evaluated": "city:dept:卫健",
        "agency": None,
        "stage": EvaluationStage.EX_POST,
        "object_kind": ObjectKind.PROJECT,
        "amount": "52800000",
        "methods": [Method.COST_BENEFIT, Method.COMPARISON],
        "major": False,
        "framework": FrameworkCode.BUSINESS_FINANCE,
        "indicators": BUSINESS_FINANCE,
        "subject": "基层医疗卫生机构运行补助",
        "days": {
            "create": D(2026, 2, 2),
            "submit": D(2026, 2, 10),
            "approve": D(2026, 2, 12),
            "notice": D(2026, 2, 13),
            "sign": D(2026, 2, 16),
            "fieldwork": D(2026, 2, 16),
            "visit": D(2026, 3, 5),
            "consult": D(2026, 3, 20),
            "scoring": D(2026, 4, 20),
        },
        "due": (D(2026, 4, 30), D(2026, 6, 30)),
        "fees": [
            ("专家咨询费", "5人×3次×800元", "12000", "12000"),
            ("差旅费", "8个样本点现场核查", "6000", "5000"),
        ],
        "contract": None,
    },
    "fieldwork": {
        "title": DEMO_FIELDWORK_TITLE,
        "year": 2026,
        "evaluated": "city:dept:民政",
        "agency": "agency2",
        "stage": EvaluationStage.IN_PROGRESS,
        "object_kind": ObjectKind.POLICY,
        "amount": "21500000",
        "methods": [Method.COMPARISON, Method.PUBLIC],
        "major": False,
        "framework": FrameworkCode.NATIONAL,
        "indicators": ELDERLY,
        "subject": "社区居家养老服务补贴政策",
        "days": {
            "create": D(2026, 7, 1),
            "submit": D(2026, 7, 10),
            "approve": D(2026, 7, 14),
            "notice": D(2026, 7, 15),
            "sign": D(2026, 7, 17),
            "fieldwork": D(2026, 7, 20),
            "visit": D(2026, 8, 26),
            "consult": D(2026, 9, 2),
        },
        "due": (D(2026, 10, 31), D(2026, 11, 30)),
        "fees": [
            ("委托费", "合同约定", "150000", None),
            ("问卷调查费", "600份×20元", "12000", None),
        ],
        "contract": ("明正审〔2026〕12号", "社区居家养老服务补贴政策事中评价", "150000"),
    },
}

# Accounts this demo needs besides demo.seed's (the second agency's evaluator, a 民政 reviewer who answers).
EXTRA_ACCOUNTS = [
    ("agency2", "林会计", Role.AGENCY, "agency2"),
    ("civil_reviewer", "柳审核", Role.DEPT_REVIEWER, "city:dept:民政"),
]


@register
def seed_key_evaluations(seeder) -> None:
    perf = User.objects.filter(username="perf").first()
    if perf is None or perf.organisation_id is None or "city:dept:教育" not in seeder.index:
        return
    for username, name, role, key in EXTRA_ACCOUNTS:
        if key in seeder.index:
            seeder.created += _account(username, name, role, seeder.index[key])
    for kind, case in CASES.items():
        try:
            seeder.created += _seed_case(seeder, perf, kind, case)
        except (ValidationError, PermissionDenied) as exc:
            seeder.out(f"  演示重点评价未能完成（{case['title']}）：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")


def _account(username, name, role, organisation) -> int:
    person = User.objects.filter(username=username).first()
    created = 0
    if person is None:
        person = User(
            username=username,
            name=name,
            organisation=organisation,
            must_change_password=False,
            password_changed_at=clock.now(),
        )
        person.set_password(DEMO_PASSWORD)
        person.full_clean()
        person.save()
        created = 1
    if not RoleAssignment.objects.filter(user=person, role=role, organisation=organisation).exists():
        RoleAssignment.objects.create(user=person, role=role, organisation=organisation)
    return created


def _user(username):
    person = User.objects.filter(username=username).first()
    if person is not None:
        person._role_cache = None
    return person


def _evaluated(seeder, key):
    return seeder.index.get(key) or seeder.index["city:dept:卫健"]


def _seed_case(seeder, perf, kind, case) -> int:
    days = case["days"]
    evaluation = demo_evaluation(case["title"])
    created = 0
    if evaluation is None:
        with clock.pinned(days["create"]), acting_as(perf):
            agency = seeder.index.get(case["agency"]) if case["agency"] else None
            contract = _contract(perf, agency, case["contract"], days["create"]) if agency is not None else None
            evaluated = _evaluated(seeder, case["evaluated"])
            subjects = list(actions.subject_choices(perf, evaluated).filter(fiscal_year=case["year"])[:1])
            evaluation = actions.create_evaluation(
                perf,
                {
                    "title": case["title"],
                    "year": case["year"],
                    "evaluated": evaluated,
                    "stage": case["stage"],
                    "object_kind": case["object_kind"],
                    "object_amount": Decimal(case["amount"]),
                    "methods": list(case["methods"]),
                    "major": case["major"],
                    "agency": agency,
                    "contract": contract,
                    "starts_on": days["create"],
                    "scoring_due": case["due"][0],
                    "report_due": case["due"][1],
                },
                subjects=subjects,
                fee_lines=[
                    {"item": item, "basis": basis, "amount": amount, "approved": approved}
                    for item, basis, amount, approved in case["fees"]
                ],
                reason="演示：组织重点评价",
            )
            created += 1 + len(case["fees"])
    if evaluation.status != KeyStatus.PREPARING:
        return created
    created += _group(seeder, perf, evaluation, kind, days["create"])
    created += _plan(perf, evaluation, case)
    created += _notice(perf, evaluation, case)
    evaluation.refresh_from_db()
    with clock.pinned(days["fieldwork"]), acting_as(perf):
        evaluation = lifecycle.run(
            "start_fieldwork", evaluation, perf, version=evaluation.version, reason="演示：评价通知书已签收"
        )
    created += _fieldwork(perf, evaluation, kind, case)
    if "scoring" in days:
        with clock.pinned(days["scoring"]), acting_as(perf):
            evaluation.refresh_from_db()
            lifecycle.run("start_scoring", evaluation, perf, version=evaluation.version, reason="演示：现场评价结束")
    return created


def _contract(perf, agency, spec, day):
    """The commission of ``agency`` by the performance section: part A's register entry when it made one, else a
    minimal one here (the register's own demo runs first)."""
    from agencies.models import AgencyContract, AgencyProfile, AgencyType

    if spec is None:
        return None
    number, title, amount = spec
    existing = AgencyContract.objects.filter(agency__organisation=agency, commissioner=perf.organisation)
    found = existing.filter(title=title).first() or existing.filter(number=number).first()
    if found is not None:
        return found
    profile = AgencyProfile.objects.filter(organisation=agency).first()
    if profile is None:
        profile = services.create_record(
            AgencyProfile(
                organisation=agency,
                agency_type=AgencyType.ACCOUNTING if "会计" in agency.name else AgencyType.CONSULTING,
                registered_on=D(2025, 12, 1),
            ),
            reason="演示：第三方机构入库",
        )
    return services.create_record(
        AgencyContract(
            agency=profile,
            commissioner=perf.organisation,
            number=number,
            title=title,
            amount=Decimal(amount),
            signed_on=day,
            ends_on=D(day.year, 12, 31),
            file_with_government=True,
            file_with_peoples_congress=agency.name.startswith("示范"),
            created_by=perf,
        ),
        reason="演示：签订委托合同",
    )


def _group(seeder, perf, evaluation, kind, day) -> int:
    if evaluation.members.exists():
        return 0
    created = 0
    with clock.pinned(day), acting_as(perf):
        if kind == "agency":
            for username, role in (("agency", MemberRole.LEADER), ("expert", MemberRole.EXPERT)):
                person = _user(username)
                if person is not None:
                    actions.add_member(perf, evaluation, {"user": person, "role": role, "scores": True})
                    created += 1
            actions.add_member(
                perf,
                evaluation,
                {"user": perf, "role": MemberRole.LIAISON, "scores": False, "name": perf.name},
            )
            created += 1
        elif kind == "finance":
            actions.add_member(perf, evaluation, {"user": perf, "role": MemberRole.LEADER, "scores": True})
            created += 1 + _drawn_experts(perf, evaluation)
        else:
            person = _user("agency2")
            if person is not None:
                actions.add_member(perf, evaluation, {"user": person, "role": MemberRole.LEADER, "scores": True})
                created += 1
            actions.add_member(
                perf,
                evaluation,
                {"user": perf, "role": MemberRole.LIAISON, "scores": False},
            )
            created += 1
    return created


DEMO_EXPERTS = [
    ("高明远", "示范医科大学公共卫生学院", "教授"),
    ("罗静", "示范市中心医院（省属）", "主任医师"),
    ("唐卫国", "示范财经学院会计学院", "副教授"),
]


def _drawn_experts(perf, evaluation) -> int:
    """Three experts drawn for the evaluation (agencies.draw when part A wrote it, else register entries of the
    performance section added as the draw would)."""
    from agencies.models import Expert, ExpertField

    try:
        from agencies import draw
    except ImportError:
        draw = None
    if draw is not None and hasattr(draw, "draw_experts"):
        field = ExpertField.objects.filter(code__in=["health", "public_health", "medical"]).first() or (
            ExpertField.objects.order_by("pk").first()
        )
        if field is not None:
            try:
                _, members = actions.draw_experts(perf, evaluation, field, 3)
                if members:
                    return len(members)
            except (ValidationError, PermissionDenied, TypeError):
                pass
    created = 0
    keeper = actions.keeper_of(evaluation)
    for name, employer, title in DEMO_EXPERTS:
        expert = Expert.objects.filter(keeper=keeper, name=name).first()
        if expert is None:
            expert = services.create_record(
                Expert(keeper=keeper, name=name, employer_name=employer, title=title, registered_on=D(2025, 6, 1)),
                reason="演示：专家入库",
            )
            created += 1
        if not WorkingGroupMember.objects.filter(evaluation=evaluation, expert=expert).exists():
            actions.add_member(perf, evaluation, {"expert": expert, "role": MemberRole.EXPERT, "scores": True})
            created += 1
    return created


def _drafter(evaluation, perf):
    if not evaluation.agency_id:
        return perf
    username = "agency" if evaluation.agency.name.startswith("示范") else "agency2"
    return _user(username)


def _approver(evaluation):
    return _user("leader") if not evaluation.agency_id else _user("perf")


def _plan(perf, evaluation, case) -> int:
    days = case["days"]
    drafter = _drafter(evaluation, perf)
    created = 0
    work_plan = plan.plan_of(evaluation)
    if work_plan is None:
        with clock.pinned(days["create"] + datetime.timedelta(days=2)), acting_as(drafter):
            framework = plan.framework_for(evaluation, case["framework"])
            text = {
                k: v.format(
                    subject=case["subject"],
                    start=f"{days['fieldwork']:%Y年%-m月%-d日}",
                    end=f"{case['due'][0]:%Y年%-m月%-d日}",
                )
                for k, v in PLAN_TEXT.items()
            }
            work_plan = plan.create_plan(drafter, evaluation, framework, text)
            rows = [
                {"group": g, "level2": l2, "name": n, "weight": w, "standard": s, "explanation": ""}
                for g, l2, n, w, s in case["indicators"]
            ]
            plan.replace_indicators(drafter, work_plan, rows)
            created += 1 + len(rows)
    work_plan.refresh_from_db()
    if work_plan.status in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
        with clock.pinned(days["submit"]), acting_as(drafter):
            plan.transition(drafter, work_plan, "submit", work_plan.version, "演示：提交评价工作方案")
    approver = _approver(evaluation)
    while work_plan.status == ReviewStatus.IN_REVIEW:
        with clock.pinned(days["approve"]), acting_as(approver):
            plan.transition(approver, work_plan, "approve", work_plan.version, "同意")
        work_plan.refresh_from_db()
    return created


def _notice(perf, evaluation, case) -> int:
    days = case["days"]
    notice = evaluation.notices.first()
    created = 0
    if notice is None:
        with clock.pinned(days["notice"]), acting_as(perf):
            data = plan.notice_defaults(evaluation)
            data["number"] = f"示财绩〔{days['notice'].year}〕{evaluation.pk}号"
            notice = plan.issue_notice(perf, evaluation, data)
            created += 1
    reader = _reader(evaluation)
    if notice.read_at is None and reader is not None:
        with clock.pinned(days["sign"]), acting_as(reader):
            plan.sign_notice(reader, notice)
    return created


def _reader(evaluation):
    for username in ("edu_reviewer", "health_reviewer", "civil_reviewer"):
        person = _user(username)
        if person is not None and person.organisation_id == evaluation.evaluated_id:
            return person
    return None


REQUESTS = {
    "agency": [
        ("2025年度营养改善计划资金拨付明细", "按学校列示资金拨付时间和金额", True),
        ("供餐企业合同及履约考核资料", "含招标文件、合同和每学期考核记录", True),
    ],
    "finance": [
        ("基层医疗卫生机构补助资金分配表", "含分配因素和测算过程", True),
        ("基本公共卫生服务考核结果", "2025年度各机构考核得分", True),
    ],
    "fieldwork": [
        ("居家养老服务补贴发放台账", "2026年1—6月按月、按街道汇总的发放人次和金额", True),
        ("服务机构考核监管资料", "对居家养老服务机构的考核办法、考核记录和整改情况", False),
    ],
}

VISITS = {
    "agency": (
        "第一中学、实验小学食堂及供餐企业配送中心",
        "食堂台账基本完整，个别学校出入库记录不连续；配送温控记录齐全。",
    ),
    "finance": ("城关镇卫生院、东坪镇卫生院", "基本公共卫生服务档案抽查 60 份，4 份随访记录不完整；结余资金较大。"),
    "fieldwork": (
        "城区两个社区居家养老服务站",
        "服务站设施基本齐全，服务记录由老人签字确认；部分服务时长记录与派单系统不一致。",
    ),
}

CONSULTS = {
    "agency": ("指标体系及评分标准论证", "建议将满意度调查样本扩大到家长群体，供餐质量以第三方抽检为准。"),
    "finance": ("补助资金分配办法评价要点", "建议重点关注补助与服务量挂钩程度，以及结余资金的原因分析。"),
    "fieldwork": ("补贴标准合理性", "建议与周边地市补贴标准比较，并区分失能等级评价补贴的精准性。"),
}


def _fieldwork(perf, evaluation, kind, case) -> int:
    days = case["days"]
    created = 0
    worker = _drafter(evaluation, perf)
    reader = _reader(evaluation)
    if not evaluation.document_requests.exists():
        for n, (title, detail, answered) in enumerate(REQUESTS[kind]):
            asked = days["fieldwork"] + datetime.timedelta(days=n)
            with clock.pinned(asked), acting_as(worker):
                due = (
                    (clock.DEMO_TODAY + datetime.timedelta(days=10))
                    if not answered
                    else asked + datetime.timedelta(days=10)
                )
                request = fieldwork.create_request(
                    worker, evaluation, {"title": title, "detail": detail, "due_on": due}
                )
                created += 1
            if answered and reader is not None:
                with clock.pinned(asked + datetime.timedelta(days=5)), acting_as(reader):
                    upload = SimpleUploadedFile(
                        f"{title}.csv", f"项目,金额\n{title},1000\n".encode(), content_type="text/csv"
                    )
                    try:
                        fieldwork.answer_request(reader, request, "已按要求整理上传。", files=[upload])
                    except ValidationError:
                        fieldwork.answer_request(reader, request, "已按要求整理，纸质材料已报送评价工作组。")
                    created += 1
                if kind != "fieldwork":
                    with clock.pinned(asked + datetime.timedelta(days=6)), acting_as(worker):
                        request.refresh_from_db()
                        if request.status == RequestStatus.ANSWERED:
                            fieldwork.accept_request(worker, request)
    if not evaluation.site_visits.exists():
        place, findings = VISITS[kind]
        with clock.pinned(days["visit"]), acting_as(worker):
            people = "、".join(m.name for m in evaluation.members.all()[:3])
            fieldwork.record_visit(
                worker,
                evaluation,
                {"visited_on": days["visit"], "place": place, "people": people, "findings": findings},
            )
            created += 1
    if not evaluation.consultations.exists():
        topic, opinion = CONSULTS[kind]
        experts = "、".join(m.name for m in evaluation.members.filter(role=MemberRole.EXPERT)) or "特邀专家"
        with clock.pinned(days["consult"]), acting_as(worker):
            fieldwork.record_consultation(
                worker,
                evaluation,
                {"held_on": days["consult"], "experts": experts, "topic": topic, "opinion": opinion},
            )
            created += 1
    return created


def assignment_count(evaluation) -> int:
    from core.models import Assignment

    return Assignment.objects.filter(
        content_type=ContentType.objects.get_for_model(KeyEvaluation), object_id=evaluation.pk
    ).count()
