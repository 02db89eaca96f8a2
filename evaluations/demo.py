"""The demo's closed year of self-evaluation (issue 13 "Demo"): the year before the demo's fiscal year (2025 on the
demo date 2026-09-15), its treasury data and the city's self-evaluation round with forms in every state.

1. Subjects: a few more completed 2025 subjects of 示范市第一中学 and 示范市人民医院 (the two units with demo accounts,
   so their forms can go through the real review chain), bulk-created in the completed state with the arranged amount
   as the library's are (``subjects.demo``), and their approved target sheets by the targets' own demo helper
   (``targets.demo.seed_library_targets``).
2. Treasury data of 2025 for every funded 2025 subject (``execution.demo`` style, ``RecordSource.DEMO``, drawn from the
   seeder's rng): one allocation of the arranged amount in January, payments through the year up to an execution rate
   of the subject's profile (the showcase forms' rates are fixed so their grades spread).
3. The city's 2025 round opened by ``perf`` (``self_actions.open_round``; the forms are created inline by
   ``opening.finish`` instead of the background task), due 31 March 2026; the showcase forms filled with
   ``self_actions.save_form`` and taken along the chain with ``workflow.actions`` as the personas, on business dates
   pinned around the due date (some submitted late): approved (优, 良 late, 差 late), waiting at the performance
   section, at the finance desk, at the department (late), at the unit head, returned by the department, a filled
   draft; every other form stays an untouched draft (逾期未报). The round scores purchased services by the 4E scheme
   (seed 002 六（二）): the showcase's 校园保洁服务 is one, its rows' dimensions defaulted by the opening, filled as a draft.

Idempotent: each part checks for what it made (subjects by name, the 2025 demo payments, the round) and a second run
creates nothing. The province scale runs the same code: the bulk parts are bulk inserts, the opening is set-based, and
the showcase is a fixed handful of forms.
"""

from __future__ import annotations

import datetime
import random
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit import trail
from audit.context import acting_as
from audit.models import AuditAction
from core import clock, fiscal
from demo.seed import register

PERSONAS = [
    "perf",
    "edu_preparer",
    "edu_head",
    "edu_reviewer",
    "desk_edu",
    "health_preparer",
    "health_head",
    "health_reviewer",
    "desk_social",
]
DUE = (3, 31)  # 31 March of the next year (self_actions.proposed_due_date)
NOTICE = (
    "请各单位对照批复的绩效目标和国库支付数据，于 3 月 31 日前完成上年度项目支出绩效自评，填报《项目支出绩效自评表》，"
    "偏差超过 20% 或未完成的指标须说明原因并提出改进措施，经单位负责人、主管部门审核后报送财政部门。"
)
CENT = Decimal("0.01")

# The showcase: (unit key, subject name, amount, execution rate, quality of the actuals 0–1, what happens).
# "quality" scales every actual against its target (1 = all met), so the indicator score follows it; the plan names
# the step the form reaches: approved / perf / desk / department / head / returned / filled. Dates: (submitted,
# reviewed) business dates; a submission after the due date is late (逾期报送).
SHOWCASE = [
    ("city:unit:教育:0", "第一中学教学楼维修项目", None, "0.98", "1", "approved", (3, 12)),
    ("city:unit:教育:0", "第一中学智慧课堂建设项目", "860000.00", "0.93", "0.85", "approved", (4, 8)),
    ("city:unit:教育:0", "第一中学图书馆藏书更新项目", "180000.00", "0.81", "0.72", "perf", (3, 20)),
    ("city:unit:教育:0", "第一中学学生心理健康服务项目", "240000.00", "0.9", "0.95", "desk", (3, 25)),
    ("city:unit:教育:0", "第一中学校园绿化提升项目", "320000.00", "0.7", "0.8", "department", (4, 15)),
    ("city:unit:教育:0", "第一中学课后服务项目", "450000.00", "0.62", "0.6", "returned", (3, 28)),
    ("city:unit:卫健:0", "人民医院院感防控能力提升项目", "1280000.00", "0.42", "0.45", "approved", (4, 20)),
    ("city:unit:卫健:0", "人民医院急诊急救设备更新项目", "2650000.00", "0.88", "0.9", "head", (3, 30)),
    ("city:unit:卫健:0", "人民医院远程会诊平台运维项目", "560000.00", "0.8", "0.85", "filled", None),
    ("city:unit:教育:0", "第一中学校园保洁服务项目", "360000.00", "0.96", "0.9", "filled", None),
]
# The showcase's purchased services (政府购买服务): a 4E form in the round, its provider registered.
PURCHASED = {"第一中学校园保洁服务项目": "校园公共区域保洁、垃圾分类清运和卫生间保洁服务"}
# The chain's reviewers after the unit preparer (migration 0004): head, department, finance desk, performance section.
REVIEWERS = {
    "city:unit:教育:0": ("edu_preparer", ["edu_head", "edu_reviewer", "desk_edu", "perf"]),
    "city:unit:卫健:0": ("health_preparer", ["health_head", "health_reviewer", "desk_social", "perf"]),
}
STEPS_BEFORE = {"head": 0, "department": 1, "desk": 2, "perf": 3, "approved": 4, "returned": 2}
RETURN_OPINION = "课后服务参与率、满意度等指标实际值缺少佐证材料，偏差原因过于笼统，请补充问卷统计结果后重新报送"
# (share of the other subjects, execution rate range): most spend nearly all, some lag.
PROFILES = [(0.6, (0.9, 1.0)), (0.25, (0.7, 0.9)), (0.15, (0.35, 0.7))]


def closed_year() -> int:
    return fiscal.default_year() - 1


@register
def seed_self_evaluation(seeder) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=PERSONAS)}
    if "perf" not in users:
        return
    year = closed_year()
    _subjects(seeder, year)
    _treasury(seeder, year)
    _round(seeder, year, users)


# --- 1. the showcase subjects -------------------------------------------------------------------------------------


def _subjects(seeder, year: int) -> None:
    from subjects.choices import Duration, LibraryStage, SubjectKind
    from subjects.demo import form_facts
    from subjects.models import PurchasedServiceDetail, Subject, SubjectYearAmount, next_code
    from targets.demo import seed_library_targets
    from workflow.models import ChainDefinition, ReviewStatus

    wanted = [(key, name, amount) for key, name, amount, *_ in SHOWCASE if amount is not None]
    existing = set(Subject.objects.filter(name__in=[n for _, n, _ in wanted]).values_list("name", flat=True))
    chain = (
        ChainDefinition.objects.filter(document_type="subjects.subject", region__isnull=True, is_active=True)
        .order_by("-version")
        .first()
    )
    todo = [(seeder.index[key], name, Decimal(amount)) for key, name, amount in wanted if key in seeder.index]
    todo = [row for row in todo if row[1] not in existing]
    if chain is None or not todo:
        return
    first = int(next_code(year)[-5:])
    subjects = [
        Subject(
            code=f"XM{year}-{first + i:05d}",
            name=name,
            kind=SubjectKind.PURCHASED_SERVICE if name in PURCHASED else SubjectKind.PROJECT,
            organisation=org,
            department_id=org.department_id,
            fiscal_year=year,
            start_year=year,
            end_year=year,
            duration=Duration.ONE_OFF,
            is_new=False,
            budget_kind="general",
            fund_sources=["local"],
            function_subject_code="2050299" if "中学" in name else "2100299",
            category="other_special",
            sub_category="special_business",
            start_date=datetime.date(year, 3, 1),
            end_date=datetime.date(year, 12, 31),
            basis=f"《{org.department.name if org.department else org.name}{year} 年度重点工作安排》",
            feasibility="实施方案已经单位集体研究，资金测算依据充分。",
            necessity="履行单位职责、保障重点工作的需要。",
            **form_facts(org, name, 90 + i),
            status=ReviewStatus.APPROVED,
            chain=chain,
            current_step=chain.last_order,
            current_role="",
            stage=LibraryStage.COMPLETED,
            # admitted in the autumn before its year (一上), as the library's subjects (subjects.demo.ADMITTED_DAYS_AGO)
            admitted_at=timezone.make_aware(datetime.datetime(year - 1, 10, 10 + i, 10, 0)),
        )
        for i, (org, name, _) in enumerate(todo)
    ]
    created = Subject.objects.bulk_create(subjects)
    PurchasedServiceDetail.objects.bulk_create(
        PurchasedServiceDetail(
            subject=subject,
            purchaser=subject.organisation,
            provider=seeder.index.get("provider"),
            contract_amount=amount,
            contract_start=datetime.date(year, 3, 1),
            contract_end=datetime.date(year, 12, 31),
            contract_content=PURCHASED[subject.name],
            on_guidance_catalogue=True,
            outside_negative_list=True,
        )
        for subject, (_, _, amount) in zip(created, todo, strict=True)
        if subject.name in PURCHASED
    )
    SubjectYearAmount.objects.bulk_create(
        SubjectYearAmount(
            subject=subject,
            fiscal_year=year,
            previous_amount=Decimal("0.00"),
            requested_amount=amount,
            arranged_amount=amount,
        )
        for subject, (_, _, amount) in zip(created, todo, strict=True)
    )
    seeder.created += len(created)
    trail.record(
        AuditAction.IMPORT,
        object_type="subjects.subject",
        object_repr="演示上年度项目",
        actor_name="系统（演示数据）",
        reason=f"seed_demo --scale {seeder.scale.name}：新建 {year} 年度已完成项目 {len(created)} 个（状态直接设定）",
    )
    seed_library_targets(seeder)  # their approved target sheets, as every funded library subject has


# --- 2. the closed year's treasury data ---------------------------------------------------------------------------


def _rate(rng: random.Random) -> Decimal:
    draw, total = rng.random(), 0.0
    for share, (low, high) in PROFILES:
        total += share
        if draw < total:
            return Decimal(str(round(rng.uniform(low, high), 3)))
    return Decimal("1")


def _treasury(seeder, year: int) -> None:
    from execution.choices import MatchStatus, RecordSource
    from execution.demo import ECONOMIC, PAYEES, USES
    from execution.models import BudgetAllocation, Payment
    from subjects.choices import FundSource
    from subjects.models import SubjectYearAmount

    if (
        Payment.objects.filter(source=RecordSource.DEMO, fiscal_year=year).exists()
        or BudgetAllocation.objects.filter(source=RecordSource.DEMO, fiscal_year=year).exists()
    ):
        return
    funded = list(
        SubjectYearAmount.objects.filter(fiscal_year=year, arranged_amount__gt=0)
        .select_related("subject__organisation")
        .order_by("subject__code")
    )
    if not funded:
        return
    fixed = {name: Decimal(rate) for _, name, _, rate, *_ in SHOWCASE}
    rng = seeder.rng
    allocations, payments = [], []
    for n, row in enumerate(funded, start=1):
        subject, arranged = row.subject, row.arranged_amount
        org = subject.organisation
        common = {
            "fiscal_year": year,
            "payer_code": org.budget_code,
            "organisation": org,
            "project_code": subject.code,
            "subject": subject,
            "match_status": MatchStatus.MATCHED,
            "budget_kind": subject.budget_kind,
            "fund_source": (subject.fund_sources or [FundSource.LOCAL])[0],
            "source": RecordSource.DEMO,
        }
        allocations.append(
            BudgetAllocation(
                document_number=f"示财预指〔{year}〕{n:05d}号",
                issued_on=datetime.date(year, 1, 8 + n % 20),
                amount=arranged,
                summary="年初预算批复",
                **common,
            )
        )
        rate = fixed.get(subject.name) or _rate(rng)
        total = (arranged * rate).quantize(CENT, ROUND_HALF_UP)
        # Four payments in the quarters' last months, the last one in December.
        shares = [Decimal("0.15"), Decimal("0.25"), Decimal("0.30")]
        parts = [(total * s).quantize(CENT) for s in shares]
        parts.append(total - sum(parts))
        for q, amount in enumerate(parts):
            if amount <= 0:
                continue
            economic = ECONOMIC[(n + q) % len(ECONOMIC)]
            payments.append(
                Payment(
                    voucher_number=f"ZF{year}{len(payments) + 1:08d}",
                    paid_on=datetime.date(year, 3 + 3 * q, 10 + n % 15),
                    amount=amount,
                    economic_code=economic,
                    payee=PAYEES[(n + q) % len(PAYEES)],
                    summary=USES[economic],
                    **common,
                )
            )
    with transaction.atomic():
        BudgetAllocation.objects.bulk_create(allocations, batch_size=2000)
        Payment.objects.bulk_create(payments, batch_size=2000)
        trail.record(
            AuditAction.IMPORT,
            object_type="execution.payment",
            object_repr="演示上年度预算执行数据",
            actor_name="系统（演示数据）",
            reason=f"seed_demo --scale {seeder.scale.name}：{year} 年度 {len(allocations)} 条预算指标、"
            f"{len(payments)} 条国库支付明细",
        )
    seeder.created += len(allocations) + len(payments)


# --- 3. the rounds and the showcase forms -------------------------------------------------------------------------


def _open(user, year: int):
    """Open the round of ``user``'s region for ``year`` and create its forms inline (``opening.finish``), without
    the background task ``open_round`` queues for after the commit (the seeder has just done its work)."""
    from evaluations import opening, self_actions

    connection = transaction.get_connection()
    queued = len(connection.run_on_commit)
    with acting_as(user):
        evaluation_round = self_actions.open_round(
            user,
            fiscal_year=year,
            due_date=datetime.date(year + 1, *DUE),
            notice=NOTICE,
            reason="演示数据",
            purchased_service_four_e=True,
        )
        del connection.run_on_commit[queued:]
        opening.finish(evaluation_round)
    evaluation_round.refresh_from_db()
    return evaluation_round


def _round(seeder, year: int, users: dict) -> None:
    from evaluations.models import SelfEvaluationRound

    perf = users["perf"]
    from evaluations.self_actions import round_organisation

    organisation = round_organisation(perf)
    if (
        organisation is None
        or SelfEvaluationRound.objects.filter(region=organisation.region, fiscal_year=year).exists()
    ):
        return
    try:
        with clock.pinned(datetime.date(year + 1, 1, 6)):
            evaluation_round = _open(perf, year)
    except (ValidationError, PermissionDenied) as exc:
        seeder.out(f"  演示单位自评轮次未能开启：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
        return
    seeder.created += 1 + evaluation_round.forms.count()
    for key, name, _, _, quality, plan, when in SHOWCASE:
        form = evaluation_round.forms.filter(subject__name=name, organisation=seeder.index.get(key)).first()
        if form is None:
            continue
        try:
            _showcase(form, users, key, Decimal(quality), plan, when, year)
        except (ValidationError, PermissionDenied) as exc:
            seeder.out(f"  演示自评表“{name}”停在当前环节：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")


def _actual(row, quality: Decimal) -> dict:
    """The values of one row at ``quality`` of its target, with a reason and a measure where it falls short."""
    from evaluations.scoring import number

    values: dict = {}
    if row.kind == "qualitative":
        share = (quality * 100).quantize(Decimal("1"))
        band = "achieved" if share >= 80 else "partly" if share >= 60 else "not_achieved"
        values.update(band=band, share=str(share))
    else:
        try:
            target = number(row.target_value)
        except ValueError:
            target = Decimal("1")
        if row.kind == "negative":
            actual = target / quality if quality else target * 2
        else:
            actual = target * quality
        values["actual"] = f"{actual.quantize(Decimal('0.1'), ROUND_HALF_UP).normalize():f}"
    if quality < 1:
        values.update(
            deviation_reason="受项目实施进度和采购周期影响，部分内容未能在年内完成"
            if quality < Decimal("0.8")
            # a small shortfall: an indicator not met still needs its reason and measure
            else "个别环节推进慢于计划，指标略低于年度目标",
            improvement="细化实施计划，按月调度进度，次年一季度前完成剩余内容",
        )
    return values


def _narrative(form, quality: Decimal) -> dict:
    """The rest of the 绩效报告's narrative (seed 003 附件4) as a unit would write it, following the form's figures."""
    from evaluations.scoring import yuan

    name = form.subject.name
    gap = form.budget - form.paid
    if gap > 0:
        variance = f"全年结余 {yuan(gap)}，主要是政府采购项目通过公开招标降低了成交价格，部分合同尾款按约定在验收合格后于次年支付。"
    elif gap < 0:
        variance = f"全年超支 {yuan(-gap)}，系实施中增加了必要的零星工程量，已按程序调整预算。"
    else:
        variance = "预算资金按计划全部执行，没有超支或结余。"
    return {
        "main_content": f"{name}由{form.organisation.name}按批复的实施方案组织实施，资金主要用于项目所需的设备购置、"
        f"工程施工和专业服务采购，服务对象为{'全校师生' if '中学' in form.organisation.name else '就诊患者和辖区群众'}。",
        "plan_adjustment": "年度实施计划未作调整。"
        if quality >= Decimal("0.8")
        else "受采购周期影响，年中对实施进度计划作了调整，部分内容顺延至次年一季度完成，已报主管部门备案。",
        "management": "单位制定了项目管理办法和专项资金管理制度，实行项目负责人制，资金按合同约定和实施进度拨付，"
        "重要事项经单位领导班子集体研究；制度总体执行到位。",
        "variance_reason": variance,
        "social_impact": "项目实施改善了服务条件，提高了服务质量和效率，服务对象满意度较上年有所提升，社会效益良好。"
        if quality >= Decimal("0.8")
        else "项目部分内容尚未完成，预期的社会效益尚未充分体现，服务对象对进度有一定意见。",
        "experience": "前期调研充分、实施方案细化到月，项目负责人定期调度，是项目顺利实施的主要经验。"
        if quality >= Decimal("0.8")
        else "",
    }


def _showcase(form, users: dict, key: str, quality: Decimal, plan: str, when, year: int) -> None:
    from evaluations import self_actions
    from evaluations.models import SelfEvaluation
    from workflow import actions as workflow

    preparer_name, reviewers = REVIEWERS[key]
    preparer = users[preparer_name]
    month, day = when or (3, 16)
    submitted_on = datetime.date(year + 1, month, day)
    with clock.pinned(submitted_on - datetime.timedelta(days=3)), acting_as(preparer):
        rows = {row.pk: _actual(row, quality) for row in form.indicators.all()}
        data = {
            "goal_completion": "项目按年度计划组织实施，主要产出指标基本完成，资金按进度拨付，服务对象总体满意。"
            if quality >= Decimal("0.8")
            else "项目部分内容未按计划完成，产出和效益指标与年度目标存在差距，资金执行偏慢。",
            "problems": "" if quality == 1 else "项目前期准备不足，采购和实施进度滞后于计划。",
            "measures": "" if quality == 1 else "加强项目全过程管理，自评结果作为次年预算安排的参考。",
            **_narrative(form, quality),
        }
        form = self_actions.save_form(form, preparer, form.version, data=data, rows=rows, reason="演示数据")
    if plan == "filled":
        return

    def fresh():
        return SelfEvaluation.objects.select_related("round", "scheme", "subject").get(pk=form.pk)

    with clock.pinned(submitted_on), acting_as(preparer):
        workflow.submit(fresh(), preparer, fresh().version, "请审核")
    for step, persona in enumerate(reviewers[: STEPS_BEFORE[plan]]):
        reviewer = users[persona]
        with clock.pinned(submitted_on + datetime.timedelta(days=2 * step + 2)), acting_as(reviewer):
            doc = fresh()
            if plan == "returned" and step == STEPS_BEFORE[plan] - 1:
                workflow.return_to(doc, reviewer, doc.version, 0, RETURN_OPINION)
            else:
                workflow.approve(doc, reviewer, doc.version, "经审核，自评结果与实际相符" if step else "同意")
