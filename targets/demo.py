"""Demo target sheets of 示范市第一中学, through the real actions as the demo personas (history and audit
trail are real): a draft with quality findings (vague wording), one waiting for the unit head (edu_head),
one approved, one approved then adjusted (version 2 in review), and one at the performance section under a
third-party review (the agency has answered, the expert has not). A second run creates nothing.
Runs after the subjects' seeder (INSTALLED_APPS order)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from accounts.models import User
from audit.context import acting_as
from core import clock, fiscal
from demo.seed import register

PERSONAS = ["edu_preparer", "edu_head", "edu_reviewer", "desk_edu", "perf", "budget", "leader", "agency", "expert"]
REVIEW_REASON = "实验室设备购置投资规模大、关系教学安全，社会关注度高，组织中介机构和专家评审绩效目标（长治市《预算绩效管理办法》第十四条）"
AGENCY_OPINION = "目标与立项依据相符，数量、质量、时效指标完整；成本指标仅列总额，建议按设备台套细化单位成本，满意度调查对象应包括学生家长。"
# The default chain's reviewers, to 局领导审定 and 预算管理科批复 (seed 003 第十二条).
APPROVERS = ["edu_head", "edu_reviewer", "desk_edu", "perf", "leader", "budget"]
# An extra subject of the school, admitted and funded for the adjusted sheet (the showcase has too few).
EXTRA_SUBJECT = "第一中学食堂设施改造项目"


def _is_school(subject) -> bool:
    """A school's subject speaks of 办学条件 and 师生; any other unit's of its service and the people it serves."""
    organisation = subject.organisation
    department = getattr(organisation, "department", None)
    return "学" in organisation.name or (department is not None and "教育" in department.name)


def _indicators(name: str, amount: Decimal, vague: bool = False, school: bool = True) -> list[dict]:
    wan = (amount / Decimal("10000")).quantize(Decimal("0.1"))
    effect, satisfaction = ("办学条件改善", "师生满意度") if school else ("服务条件改善", "服务对象满意度")
    rows = [
        ("annual", "output", "quantity", f"{name}完成数量", "ge", "1", "项", 20, "验收资料", "plan"),
        ("annual", "output", "quality", "验收合格率", "ge", "100", "%", 15, "验收报告", "industry"),
        ("annual", "output", "timeliness", "按计划完成率", "ge", "95", "%", 5, "工作台账", "plan"),
        ("annual", "cost", "economic_cost", "项目总成本", "le", f"{wan}", "万元", 10, "财务决算", "plan"),
        ("annual", "effect", "social_benefit", effect, "qualitative", "达到预期", "", 30, "单位总结", "plan"),
        ("annual", "satisfaction", "service_satisfaction", satisfaction, "ge", "90", "%", 10, "问卷调查", "history"),
        ("long_term", "effect", "sustainable", "设施持续发挥作用年限", "ge", "5", "年", 0, "资产台账", "industry"),
    ]
    if vague:
        rows[4] = (
            "annual",
            "effect",
            "social_benefit",
            "教学质量明显提高",
            "ge",
            "95",
            "%",
            30,
            "学校总结",
            "plan",
        )
    keys = [
        "horizon",
        "level1",
        "level2",
        "name",
        "comparator",
        "target_value",
        "unit",
        "weight",
        "data_source",
        "standard",
    ]
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _data(subject) -> dict:
    year = subject.fiscal_year
    # 前三年评价等级 only for a subject that ran in earlier years (seed 003 附件1 填表说明 二（七）1: 跨年度支出填报).
    grades = [
        {"year": year - 2, "self": "良", "review": "良", "key": ""},
        {"year": year - 1, "self": "优", "review": "良", "key": "良"},
    ]
    grades = [] if subject.is_new else grades
    school = _is_school(subject)
    return {
        "annual_goal": (
            f"按计划完成{subject.name}，改善学校办学条件，师生满意度不低于 90%。"
            if school
            else f"按计划完成{subject.name}，改善服务条件，服务对象满意度不低于 90%。"
        ),
        "long_term_goal": f"项目实施期内持续改善{'办学' if school else '服务'}条件，设施长期稳定运行。",
        "measure_organisation": (
            "成立由校长任组长的项目实施领导小组，总务处具体负责。"
            if school
            else "成立由单位主要负责人任组长的项目实施领导小组，相关业务科室具体负责。"
        ),
        "measure_rules": f"执行{'学校' if school else '单位'}财务管理、政府采购和工程管理制度。",
        "measure_plan": "按季度推进，每月向领导小组报告进度。",
        "prior_grades": grades,
        "self_evaluation_year": year,
        "other_notes": "项目资金全部纳入单位部门预算管理，实施中如有调整将在 10 日内同步校正绩效目标。",
    }


# 支出明细预算 of the demo: (支出名称, share of the request, 测算依据 with {amount} in yuan and {qty} a quantity).
BUDGET_LINES = {
    "维修": [
        ("屋面防水及墙面修缮", "0.46", "修缮面积约 3,000 平方米，按综合单价 {unit} 元/平方米测算"),
        ("门窗及水电管线更换", "0.36", "按施工图预算工程量清单计价，合计 {amount} 元"),
        ("设计、监理及审计费", "0.10", "按工程费的 10% 以内计取（参照市场询价）"),
        ("不可预见费", "rest", "按工程费的 8% 以内预留"),
    ],
    "购置": [
        ("实验设备购置", "0.82", "分组实验台 40 套，按政府采购预算单价 {unit} 元/套测算"),
        ("安装调试及配套改造", "0.12", "按设备费的 12% 测算"),
        ("教师操作培训", "rest", "2 期，每期 2 天，按培训费标准测算"),
    ],
    "服务": [
        ("安保人员服务费", "0.78", "门岗及巡逻岗 12 人 × 12 个月，按人月单价 {unit12} 元测算"),
        ("安防设备运行维护", "0.14", "监控及门禁设备 96 点位，按年度维护合同价测算"),
        ("服务机构管理费及税费", "rest", "按服务费的 8% 计取"),
    ],
    "补助": [("学生资助补助资金", "rest", "资助对象约 600 人，按每人每年 {unit600} 元标准测算")],
}
DEFAULT_LINES = [
    ("业务实施费用", "0.70", "按年度工作量及单价测算，合计 {amount} 元"),
    ("专用材料及设备", "0.20", "按市场询价测算"),
    ("其他费用", "rest", "按实际需要测算"),
]


def _budget(subject, amount: Decimal, previous: Decimal = Decimal("0")) -> list[dict]:
    """The itemised budget of a demo sheet: lines that add up to the requested ``amount`` exactly, and whose 上年度资金
    add up to the year's ``previous`` amount, as the 资金来源计划 printed under them says."""
    lines = next((v for k, v in BUDGET_LINES.items() if k in subject.name), DEFAULT_LINES)
    items, left, left_previous = [], amount, previous
    for name, share, basis in lines:
        if share == "rest":
            value, before = left, left_previous
        else:
            value = (amount * Decimal(share)).quantize(Decimal("1"))
            before = (previous * Decimal(share)).quantize(Decimal("1"))
        left -= value
        left_previous -= before
        text = basis.format(
            amount=f"{value:,.0f}",
            unit=f"{value / 3000 if '平方米' in basis else value / 40:,.0f}",
            unit12=f"{value / 144:,.0f}",
            unit600=f"{value / 600:,.0f}",
        )
        items.append({"name": name, "previous_amount": before, "requested_amount": value, "basis": text})
    return items


def _stages(year: int) -> list[dict]:
    return [
        {"stage": "前期准备与采购", "start": datetime.date(year, 3, 1), "finish": datetime.date(year, 5, 31)},
        {"stage": "组织实施", "start": datetime.date(year, 6, 1), "finish": datetime.date(year, 10, 31)},
        {"stage": "验收与总结", "start": datetime.date(year, 11, 1), "finish": datetime.date(year, 12, 20)},
    ]


def approved_targets(subject, users: dict, reason: str = "演示数据"):
    """The subject's target sheet of its year, filled by the school's preparer and approved along the chain
    (APPROVERS), through the real actions: what budget arrangement needs first (seed 003 第十一条（一）). Returns the
    sheet (an existing one is returned as it is)."""
    from subjects.models import SubjectYearAmount
    from targets import actions
    from targets.models import TargetSheet
    from workflow import actions as workflow

    sheet = TargetSheet.objects.filter(subject=subject, fiscal_year=subject.fiscal_year).order_by("revision").first()
    if sheet is not None:
        return sheet
    preparer = users["edu_preparer"]
    row = SubjectYearAmount.objects.filter(subject=subject, fiscal_year=subject.fiscal_year).first()
    amount = row.requested_amount if row else Decimal("100000")
    with acting_as(preparer):
        sheet = actions.create_sheet(subject, preparer, subject.fiscal_year, reason=reason)
        sheet = actions.save_sheet(
            sheet,
            preparer,
            sheet.version,
            data=_data(subject),
            indicators=_indicators(subject.name[4:8], amount, school=_is_school(subject)),
            stages=_stages(subject.fiscal_year),
            budget_items=_budget(subject, amount, row.previous_amount if row else Decimal("0")),
        )
        workflow.submit(sheet, preparer, sheet.version, "请审核")
    for persona in APPROVERS:
        with acting_as(users[persona]):
            workflow.approve(sheet, users[persona], sheet.version, "同意")
    sheet.refresh_from_db()
    return sheet


def _extra_subject(school, users):
    """A funded subject for the adjustment showcase, through the library's own actions."""
    from subjects import actions as lifecycle
    from subjects import services as subject_services
    from subjects.demo import form_facts
    from subjects.models import Subject
    from workflow import actions as workflow

    subject = Subject.objects.filter(organisation=school, name=EXTRA_SUBJECT).first()
    if subject is not None:
        return subject
    year = fiscal.default_year()
    amount = Decimal("860000.00")
    subject = Subject(
        name=EXTRA_SUBJECT,
        kind="project",
        organisation=school,
        fiscal_year=year,
        start_year=year,
        end_year=year,
        duration="one_off",
        is_new=False,
        budget_kind="general",
        fund_sources=["local"],
        function_subject_code="2050203",
        category="administrative",
        sub_category="maintenance",
        start_date=datetime.date(year, 3, 1),
        end_date=datetime.date(year, 12, 31),
        basis="《示范市学校食堂建设与管理规范》",
        feasibility="方案经学校行政会研究。",
        necessity="食堂设施老化，存在食品安全隐患。",
        **form_facts(school, EXTRA_SUBJECT, 7, leader=users["edu_head"].name),
    )
    with acting_as(users["edu_preparer"]):
        subject_services.create_subject(subject, previous_amount=Decimal("0"), requested_amount=amount)
    for persona in ("edu_preparer", "edu_reviewer", "desk_edu"):
        with acting_as(users[persona]):
            workflow.perform(
                "submit" if persona == "edu_preparer" else "approve",
                subject,
                users[persona],
                subject.version,
                "" if persona == "edu_preparer" else "同意",
            )
    approved_targets(subject, users)  # no target, no budget (seed 003 第十一条（一）)
    subject.refresh_from_db()
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
    plan = [
        ("第一中学学生资助补助", "draft"),
        ("第一中学体育场地改造项目", "head"),
        ("第一中学校园安保服务", "approved"),
        (EXTRA_SUBJECT, "adjusted"),
        # at the performance section, reviewed by an agency (answered) and an expert (still in the expert's 待办)
        ("第一中学实验室设备购置项目", "review"),
    ]
    for name, until in plan:
        subject = extra if name == EXTRA_SUBJECT else Subject.objects.filter(organisation=school, name=name).first()
        if subject is None or subject.stage not in actions.OPEN_STAGES:
            continue
        existing = TargetSheet.objects.filter(subject=subject, fiscal_year=subject.fiscal_year).first()
        if existing is not None:  # approved before its funding (approved_targets), or seeded before
            if until == "adjusted" and not TargetSheet.objects.filter(previous=existing).exists():
                try:
                    _adjust(existing, subject, preparer, users, seeder)
                except (ValidationError, PermissionDenied) as exc:
                    seeder.out(f"  演示绩效目标“{name}”停在当前环节：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
            continue
        row = SubjectYearAmount.objects.filter(subject=subject, fiscal_year=subject.fiscal_year).first()
        amount = row.requested_amount if row else Decimal("100000")
        try:
            with acting_as(preparer):
                sheet = actions.create_sheet(subject, preparer, subject.fiscal_year, reason="演示数据")
                sheet = actions.save_sheet(
                    sheet,
                    preparer,
                    sheet.version,
                    data=_data(subject),
                    indicators=_indicators(
                        subject.name[4:8], amount, vague=until == "draft", school=_is_school(subject)
                    ),
                    stages=_stages(subject.fiscal_year),
                    budget_items=_budget(subject, amount, row.previous_amount if row else Decimal("0")),
                )
            seeder.created += 1
            if until == "draft":
                continue
            with acting_as(preparer):
                workflow.submit(sheet, preparer, sheet.version, "请审核")
            if until == "head":
                continue
            if until == "review":
                _third_party_review(sheet, users, seeder)
                continue
            for persona in APPROVERS:
                with acting_as(users[persona]):
                    workflow.approve(sheet, users[persona], sheet.version, "同意")
            if until == "adjusted":
                _adjust(sheet, subject, preparer, users, seeder)
        except (ValidationError, PermissionDenied) as exc:
            seeder.out(f"  演示绩效目标“{name}”停在当前环节：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")


def _third_party_review(sheet, users, seeder) -> None:
    """Walked to the performance section, which commissions the demo agency and expert (长治市《预算绩效管理办法》
    第十四条); the agency has answered, the expert has not."""
    from organisations.choices import OrgKind
    from organisations.models import Organisation
    from targets.actions import third_party
    from targets.models import TargetSheet
    from workflow import actions as workflow

    for persona in ("edu_head", "edu_reviewer", "desk_edu"):
        sheet = TargetSheet.objects.get(pk=sheet.pk)
        with acting_as(users[persona]):
            workflow.approve(sheet, users[persona], sheet.version, "同意")
    agency = Organisation.objects.filter(kind=OrgKind.AGENCY, is_active=True).order_by("pk").first()
    if agency is None:
        return
    sheet = TargetSheet.objects.get(pk=sheet.pk)
    with acting_as(users["perf"]):
        agency_review, _ = third_party.commission(
            sheet, users["perf"], agencies=[agency], experts=[users["expert"]], reason=REVIEW_REASON
        )
    with acting_as(users["agency"]):
        third_party.submit(agency_review, users["agency"], conclusion="improve", opinion=AGENCY_OPINION)
    seeder.created += 2


def _adjust(sheet, subject, preparer, users, seeder) -> None:
    """Version 2 of an approved sheet, submitted and approved by the unit head (now with the department)."""
    from subjects.models import SubjectYearAmount
    from targets import actions
    from workflow import actions as workflow

    sheet.refresh_from_db()
    row = SubjectYearAmount.objects.filter(subject=subject, fiscal_year=subject.fiscal_year).first()
    amount = row.requested_amount if row else Decimal("100000")
    with acting_as(preparer):
        v2 = actions.adjust(sheet, preparer, "食堂改造范围扩大，调整数量和时效指标")
        rows = _indicators(subject.name[4:8], amount, school=_is_school(subject))
        rows[0]["target_value"] = "2"
        rows[2]["target_value"] = "98"
        v2 = actions.save_sheet(v2, preparer, v2.version, indicators=rows)
        workflow.submit(v2, preparer, v2.version, "调整后请审核")
    seeder.created += 1
    with acting_as(users["edu_head"]):
        workflow.approve(v2, users["edu_head"], v2.version, "同意调整")


# --- 部门整体、转移支付、退回意见与逾期 (issue 4, structural parts) --------------------------------------------

DEPARTMENT_SUBJECT = "示范市教育局部门整体支出"
TRANSFER_SUBJECT = "示范市义务教育薄弱环节改善转移支付资金"
COMMON_CODES = ["GX05", "GX06"]


def _department_subject(department, name: str, kind: str, reviewer):
    """A subject of the department itself, admitted to the library. The demo has no preparer account at the
    department (the library chain's step 0), so it is admitted directly, with the audit row saying so."""
    from audit import trail
    from audit.models import AuditAction
    from subjects import services as subject_services
    from subjects.models import Subject

    subject = Subject.objects.filter(organisation=department, name=name).first()
    if subject is not None:
        return subject
    year = fiscal.default_year()
    subject = Subject(
        name=name,
        kind=kind,
        organisation=department,
        fiscal_year=year,
        start_year=year,
        end_year=year,
        duration="one_off",
        is_new=False,
        budget_kind="general",
        fund_sources=["local"] if kind == "department_overall" else ["upper_transfer"],
        function_subject_code="2050299",
        category="other_special",
        sub_category="special_business",
        start_date=datetime.date(year, 1, 1),
        end_date=datetime.date(year, 12, 31),
        basis="部门职责与年度工作计划",
        feasibility="按部门中期财政规划安排。",
        necessity="履行部门职责。",
    )
    with acting_as(reviewer):
        subject_services.create_subject(subject, previous_amount=Decimal("0"), requested_amount=Decimal("12000000"))
        Subject.objects.filter(pk=subject.pk).update(status="approved", stage="admitted", current_role="")
        trail.record(
            AuditAction.TRANSITION,
            subject,
            changes={"库内阶段": ["申报中", "已入库"]},
            actor=reviewer,
            reason="演示数据：部门级对象直接入库",
        )
    subject.refresh_from_db()
    return subject


def _own_indicators() -> list[dict]:
    rows = _indicators("教育", Decimal("12000000"))
    rows[3]["target_value"] = "1200"
    return rows


@register
def seed_department_targets(seeder) -> None:
    """A department-overall sheet with finance's common indicators (returned by the desk with comments pinned to
    indicators, correction due in 10 days), and a transfer payment's overall sheet decomposed to the counties
    (its submission deadline passed: overdue)."""
    from audit import trail
    from audit.models import AuditAction
    from indicators.models import Indicator
    from targets import actions
    from targets.models import CommonIndicatorSet, TargetSheet
    from workflow import actions as workflow

    department = seeder.index.get("city:dept:教育")
    users = {u.username: u for u in User.objects.filter(username__in=["perf", "edu_reviewer", "desk_edu"])}
    if department is None or len(users) < 3:
        return
    year = fiscal.default_year()
    perf, reviewer, desk = users["perf"], users["edu_reviewer"], users["desk_edu"]
    try:
        if not CommonIndicatorSet.objects.filter(region=department.region, fiscal_year=year).exists():
            items = [{"indicator": i} for i in Indicator.objects.filter(code__in=COMMON_CODES).order_by("code")]
            with acting_as(perf):
                actions.save_common_set(perf, department.region, year, items, note="演示数据：部门整体共性指标")
            seeder.created += 1
        overall = _department_subject(department, DEPARTMENT_SUBJECT, "department_overall", reviewer)
        if not TargetSheet.objects.filter(subject=overall, fiscal_year=year).exists():
            with acting_as(reviewer):
                sheet = actions.create_sheet(overall, reviewer, year, reason="演示数据")
                common = [
                    {
                        **{k: getattr(i, k) for k in actions.INDICATOR_FIELDS},
                        "target_value": "95",
                        "library_indicator": i.library_indicator_id,
                    }
                    for i in sheet.indicators.all()
                ]
                sheet = actions.save_sheet(
                    sheet,
                    reviewer,
                    sheet.version,
                    data=_data(overall),
                    indicators=[*common, *_own_indicators()],
                    stages=_stages(year),
                )
                workflow.submit(sheet, reviewer, sheet.version, "部门整体绩效目标，请审核")
            seeder.created += 1
            with acting_as(desk):
                cost = sheet.indicators.filter(level1="cost").first()
                actions.add_comment(sheet, desk, "成本指标与部门预算总额口径不一致，请按部门预算核定数填列", cost)
                actions.add_comment(
                    sheet,
                    desk,
                    "共性指标“目标完成率”的指标值请与年度工作计划衔接",
                    sheet.indicators.filter(is_common_required=True).first(),
                )
                workflow.perform("return", sheet, desk, sheet.version, "请按意见修改后重新报送", 0)
        transfer = _department_subject(department, TRANSFER_SUBJECT, "transfer_overall", reviewer)
        if not TargetSheet.objects.filter(subject=transfer, fiscal_year=year).exists():
            with acting_as(reviewer):
                sheet = actions.create_sheet(transfer, reviewer, year, reason="演示数据")
                sheet = actions.save_sheet(
                    sheet,
                    reviewer,
                    sheet.version,
                    data=_data(transfer),
                    indicators=_own_indicators(),
                    stages=_stages(year),
                )
                regions = list(actions.regions_below(sheet))
                quantity = sheet.indicators.get(level2="quantity")
                rows = []
                for n, region in enumerate(regions):
                    values = {i.pk: i.target_value for i in sheet.indicators.filter(horizon="annual")}
                    values[quantity.pk] = "1" if n == 0 else "0"
                    rows.append({"region": region.pk, "amount": Decimal("12000000") / len(regions), "values": values})
                actions.save_regional(sheet, reviewer, rows, reason="演示数据：区域分解")
                late = clock.now() - datetime.timedelta(days=2)
                TargetSheet.objects.filter(pk=sheet.pk).update(step_due_at=late)
                trail.record(
                    AuditAction.UPDATE,
                    sheet,
                    changes={"办理期限": [None, f"{late:%Y-%m-%d}"]},
                    actor=reviewer,
                    reason="演示数据：报送期限已过（逾期示例）",
                )
            seeder.created += 1
    except (ValidationError, PermissionDenied) as exc:
        seeder.out(f"  演示部门整体/转移支付绩效目标未能完成：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")


# --- the library's funded subjects: approved targets, state set directly -----------------------------------------


@register
def seed_library_targets(seeder) -> None:
    """Every subject the bulk library funded (``subjects.demo._seed_library``, state set directly) has its approved
    target sheet of that year, as the rules require before any budget arrangement (seed 003 第十一条（一）; seed 001
    第十二条（一）): bulk-created in the approved state, the same way, with one audit row saying so."""
    from audit import trail
    from audit.models import AuditAction
    from subjects.models import SubjectYearAmount
    from targets.models import BudgetItem, TargetIndicator, TargetSheet
    from workflow.models import ChainDefinition, ReviewStatus

    chain = (
        ChainDefinition.objects.filter(document_type="targets.targetsheet", region__isnull=True, is_active=True)
        .order_by("-version")
        .first()
    )
    if chain is None:
        return
    funded = (
        SubjectYearAmount.objects.filter(arranged_amount__isnull=False)
        .exclude(subject__target_sheets__fiscal_year=models.F("fiscal_year"))
        .filter(subject__fiscal_year=models.F("fiscal_year"))
        .select_related("subject")
        .order_by("subject_id")
    )
    rows = list(funded)
    if not rows:
        return
    now = clock.now()
    sheets = TargetSheet.objects.bulk_create(
        [
            TargetSheet(
                subject=row.subject,
                fiscal_year=row.fiscal_year,
                status=ReviewStatus.DRAFT,  # approved below, once its indicators are in (approved sheets are sealed)
                chain=chain,
                created_at=now,
                **_data(row.subject),
            )
            for row in rows
        ],
        batch_size=1000,
    )
    indicators = []
    for sheet, row in zip(sheets, rows, strict=True):
        short = (row.subject.name[-6:-2] or row.subject.name)[:20]
        for order, values in enumerate(_indicators(short, row.requested_amount)):
            indicators.append(TargetIndicator(sheet=sheet, order=order, **values))
    TargetIndicator.objects.bulk_create(indicators, batch_size=2000)
    items = [
        BudgetItem(sheet=sheet, order=order, **values)
        for sheet, row in zip(sheets, rows, strict=True)
        for order, values in enumerate(_budget(row.subject, row.requested_amount, row.previous_amount), start=1)
    ]
    BudgetItem.objects.bulk_create(items, batch_size=2000)
    ids = [sheet.pk for sheet in sheets]
    for start in range(0, len(ids), 1000):
        TargetSheet.objects.filter(pk__in=ids[start : start + 1000]).update(
            status=ReviewStatus.APPROVED, current_step=chain.last_order, current_role=""
        )
    seeder.created += len(sheets) + len(indicators) + len(items)
    trail.record(
        AuditAction.IMPORT,
        object_type="targets.targetsheet",
        object_repr="演示绩效目标",
        actor_name="系统（演示数据）",
        reason=f"seed_demo --scale {seeder.scale.name}：为已安排预算的 {len(sheets)} 个项目批量新建已批复的绩效目标"
        "（状态直接设定）",
    )
