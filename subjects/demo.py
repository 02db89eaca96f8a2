"""Demo subjects: a showcase for 示范市第一中学 that goes through the real actions (history and audit
trail are real), and a realistic library for every department, inserted in bulk with one summary
audit row (as the organisation tree is). Deterministic (seeder.rng); a second run creates nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from audit import trail
from audit.context import acting_as
from audit.models import AuditAction
from core import clock, fiscal
from demo.seed import register
from organisations.choices import BUDGETED_KINDS, OrgKind
from organisations.models import Organisation
from subjects import actions as lifecycle
from subjects import services as subject_services
from subjects.choices import SUB_CATEGORIES, BudgetKind, Category, Duration, LibraryStage, SubjectKind
from subjects.models import PurchasedServiceDetail, Subject, SubjectYearAmount, next_code
from workflow import actions
from workflow.models import ChainDefinition, ReviewStatus

COUNTS = {"small": 60, "city": 400, "province": 20000}

# (name, kind, category, sub-category, function subject code)
NAMES: dict[str, list[tuple]] = {
    "教育": [
        ("义务教育薄弱环节改善项目", "project", "economic", "renovation", "2050202"),
        ("学生资助补助", "policy", "other_special", "award_subsidy", "2050299"),
        ("校舍维修改造", "project", "administrative", "maintenance", "2050203"),
        ("教师培训", "project", "administrative", "meeting_training", "2050803"),
        ("校园安保服务", "purchased_service", "other_special", "special_business", "2050299"),
    ],
    "卫健": [
        ("基本公共卫生服务", "transfer_project", "other_special", "special_business", "2100408"),
        ("医疗设备购置", "project", "administrative", "purchase", "2100201"),
        ("家庭医生签约服务", "purchased_service", "other_special", "special_business", "2100499"),
    ],
    "农业": [
        ("高标准农田建设", "project", "economic", "new_build", "2130153"),
        ("农机购置补贴", "policy", "other_special", "award_subsidy", "2130152"),
        ("动物防疫", "project", "other_special", "special_business", "2130108"),
    ],
    "民政": [
        ("城乡低保", "policy", "other_special", "award_subsidy", "2082001"),
        ("特困人员供养", "policy", "other_special", "award_subsidy", "2082101"),
        ("居家养老服务", "purchased_service", "other_special", "special_business", "2080299"),
    ],
    "交通": [
        ("农村公路养护", "project", "administrative", "maintenance", "2140106"),
        ("公路桥梁改建", "project", "economic", "renovation", "2140104"),
    ],
}
GENERIC = [
    ("业务专项经费", "project", "other_special", "special_business", "2010350"),
    ("信息化建设", "project", "economic", "new_build", "2010350"),
    ("办公设备购置", "project", "administrative", "purchase", "2010350"),
    ("业务培训", "project", "administrative", "meeting_training", "2010350"),
    ("物业管理服务", "purchased_service", "other_special", "special_business", "2010350"),
]
FUND_SETS = [
    ["local"],
    ["local"],
    ["local", "upper_transfer"],
    ["upper_transfer"],
    ["special"],
    ["local", "bond"],
    ["linkage"],
    ["local", "ppp"],
]
# (review status, step, role, stage, weight)
STATES = [
    (ReviewStatus.DRAFT, 0, "unit_preparer", LibraryStage.PENDING, 12),
    (ReviewStatus.IN_REVIEW, 1, "dept_reviewer", LibraryStage.PENDING, 8),
    (ReviewStatus.IN_REVIEW, 2, "finance_desk", LibraryStage.PENDING, 7),
    (ReviewStatus.RETURNED, 0, "unit_preparer", LibraryStage.PENDING, 5),
    (ReviewStatus.APPROVED, 2, "", LibraryStage.ADMITTED, 15),
    (ReviewStatus.APPROVED, 2, "", LibraryStage.FUNDED, 20),
    (ReviewStatus.APPROVED, 2, "", LibraryStage.EXECUTING, 23),
    (ReviewStatus.APPROVED, 2, "", LibraryStage.COMPLETED, 8),
    (ReviewStatus.APPROVED, 2, "", LibraryStage.TERMINATED, 2),
]


def _amount(rng) -> Decimal:
    """5 万 to 5,000 万 yuan, log-uniform, rounded to the hundred."""
    value = 10 ** rng.uniform(4.7, 7.7)
    return Decimal(int(value / 100) * 100).quantize(Decimal("0.01"))


# 附件1 支出基本情况 of the demo: the unit head and office telephone, the unit's functions and the spending summary
# (issue 12 §2). Deterministic and without the seeder's rng, so the random draws of the library are unchanged.
LEADERS = ["王立新", "李春华", "张建军", "刘海燕", "陈志强", "杨秀英", "赵国庆", "黄丽萍", "周文斌", "吴晓东"]
SCHOOL_FUNCTIONS = (
    "示范市第一中学为示范市教育局所属公益一类事业单位，承担初中、高中全日制教育教学任务。"
    "核定事业编制 186 名，在职教职工 172 人；现有教学班 54 个，在校学生 2,460 人。"
)


def form_facts(organisation: Organisation, name: str, n: int, *, leader: str = "") -> dict:
    """负责人, 联系电话, 单位职能概述 and 支出概况 of a demo subject (the n-th of its run)."""
    department = organisation.department or organisation
    if organisation.name.endswith("第一中学"):
        functions = SCHOOL_FUNCTIONS
    else:
        functions = (
            f"{organisation.name}是{department.name}"
            f"{'本级' if organisation.pk == department.pk else '所属预算单位'}，"
            f"承担{(department.short_name or department.name).replace('示范市', '')}领域的政策执行、公共服务和行业管理职能；"
            f"核定编制 {40 + n % 7 * 12} 名，在职人员 {36 + n % 7 * 11} 人。"
        )
    return {
        "leader": leader or LEADERS[n % len(LEADERS)],
        "leader_phone": f"0351-{6200000 + (n * 7919) % 800000:07d}"[:12],
        "unit_functions": functions,
        "summary": f"{name}：按照年度重点工作安排申请资金，用于项目实施所需的{'服务购买' if '服务' in name else '设备、材料与劳务'}支出；"
        "项目已列入单位年度工作计划，实施条件具备。",
    }


def _names_for(department: Organisation) -> list[tuple]:
    for key, names in NAMES.items():
        if key in (department.short_name or "") or key in department.name:
            return names + GENERIC[:2]
    return GENERIC


@register
def seed_subjects(seeder) -> None:
    _seed_showcase(seeder)
    _seed_library(seeder)


# --- the showcase: real actions as the personas -------------------------------------------------------------

SHOWCASE = [
    # (name, is_new, duration, kind, steps)  steps: persona + chain action, or lifecycle name
    ("第一中学校舍维修改造项目", False, "one_off", "project", []),
    ("第一中学实验室设备购置项目", True, "one_off", "project", [("edu_preparer", "submit")]),
    (
        "第一中学教师信息化能力提升培训",
        False,
        "one_off",
        "project",
        [("edu_preparer", "submit"), ("edu_reviewer", "return", "培训预算明细不全，请补充分项测算依据")],
    ),
    (
        "第一中学学生资助补助",
        False,
        "continuing",
        "policy",
        [("edu_preparer", "submit"), ("edu_reviewer", "approve"), ("desk_edu", "approve")],
    ),
    (
        "第一中学体育场地改造项目",
        False,
        "one_off",
        "project",
        # Admitted; its target sheet waits for the unit head, so the budget section cannot fund it yet (seed 003
        # 第十一条（一）: no target, no budget).
        [("edu_preparer", "submit"), ("edu_reviewer", "approve"), ("desk_edu", "approve")],
    ),
    (
        "第一中学校园安保服务",
        False,
        "continuing",
        "purchased_service",
        [
            ("edu_preparer", "submit"),
            ("edu_reviewer", "approve"),
            ("desk_edu", "approve"),
            ("budget", "fund"),
            ("edu_head", "start"),
        ],
    ),
    (
        "第一中学图书资料购置",
        False,
        "one_off",
        "project",
        [
            ("edu_preparer", "submit"),
            ("edu_reviewer", "approve"),
            ("desk_edu", "approve"),
            ("budget", "fund"),
            ("edu_head", "start"),
            ("edu_preparer", "complete"),
        ],
    ),
    (
        "第一中学体育器材购置项目",
        False,
        "one_off",
        "project",
        [("edu_preparer", "submit"), ("edu_reviewer", "approve"), ("desk_edu", "approve"), ("budget", "fund")],
    ),
]


def _seed_showcase(seeder) -> None:
    school = seeder.index.get("city:unit:教育:0")
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["edu_preparer", "edu_head", "edu_reviewer", "desk_edu", "budget", "perf", "leader"]
        )
    }
    if school is None or len(users) < 7:
        return
    year = fiscal.default_year()
    for index, (name, is_new, duration, kind, steps) in enumerate(SHOWCASE):
        if Subject.objects.filter(organisation=school, name=name).exists():
            continue
        amount = Decimal(300000 + 150000 * index).quantize(Decimal("0.01"))
        category, sub = ("administrative", "purchase") if "购置" in name else ("other_special", "special_business")
        if "维修" in name or "改造" in name:
            category, sub = "administrative", "maintenance"
        subject = Subject(
            name=name,
            kind=kind,
            organisation=school,
            fiscal_year=year,
            start_year=year,
            end_year=year + 2 if duration == "continuing" else year,
            duration=duration,
            is_new=is_new,
            budget_kind=BudgetKind.GENERAL,
            fund_sources=["local"],
            function_subject_code="2050203",
            category=category,
            sub_category=sub,
            start_date=datetime.date(year, 3, 1),
            end_date=datetime.date(year + 2 if duration == "continuing" else year, 12, 31),
            basis="《示范市义务教育学校办学条件标准》及学校年度工作计划",
            feasibility="方案经学校行政会研究，实施条件具备。",
            necessity="改善办学条件，保障教育教学正常开展。",
            **form_facts(school, name, index, leader=users["edu_head"].name),
        )
        detail = None
        if kind == SubjectKind.PURCHASED_SERVICE:
            detail = PurchasedServiceDetail(
                purchaser=school,
                provider=seeder.index.get("provider"),
                contract_amount=amount,
                contract_start=datetime.date(year, 3, 1),
                contract_end=datetime.date(year, 12, 31),
                contract_content="校园门岗值守、巡逻和安全检查服务",
                on_guidance_catalogue=True,
                outside_negative_list=True,
            )
        with acting_as(users["edu_preparer"]):
            subject_services.create_subject(
                subject, previous_amount=Decimal("0"), requested_amount=amount, detail=detail
            )
        seeder.created += 1
        for persona, step, *opinion in steps:
            actor = users[persona]
            try:
                with acting_as(actor):
                    if step in ("submit", "approve"):
                        actions.perform(step, subject, actor, subject.version, "同意" if step == "approve" else "")
                    elif step == "return":
                        actions.return_to(subject, actor, subject.version, 0, opinion[0])
                    elif step == "fund":
                        from targets.demo import approved_targets  # the targets first (seed 003 第十一条（一）)

                        approved_targets(subject, users)
                        subject.refresh_from_db()
                        lifecycle.fund(subject, actor, subject.version, amount * Decimal("0.9"), reason="按财力安排")
                    else:
                        lifecycle.LIFECYCLE_FUNCTIONS[step](subject, actor, subject.version, "")
            except (ValidationError, PermissionDenied) as exc:
                # e.g. the ex-ante assessment gate refuses: the subject waits where it stands
                seeder.out(f"  演示项目“{name}”停在当前环节：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
                break
            subject.refresh_from_db()


# --- the library: bulk, state set directly ------------------------------------------------------------------


def _nobody_waits_in_vain(subjects) -> None:
    """A library subject is put in review (or returned) only where someone holds the role it then waits for;
    elsewhere it stays a draft, so the demo strands nothing (issue 17 §9, workflow/staffing.py). The random draw is
    unchanged, so every other subject is as before."""
    from workflow.staffing import WAITING, staffed_organisation_ids

    staffed: dict[str, set[int]] = {}
    for subject in subjects:
        if subject.status not in WAITING:
            continue
        if subject.current_role not in staffed:
            staffed[subject.current_role] = staffed_organisation_ids(subject.current_role)
        if subject.organisation_id not in staffed[subject.current_role]:
            subject.status, subject.current_step, subject.current_role = ReviewStatus.DRAFT, 0, "unit_preparer"


# When a bulk subject entered the library (``Subject.admitted_at``, 项目立项: the 10-day target deadline runs from it,
# seed 004 三（五）2), in days before the demo's today (``clock.DEMO_TODAY``; the seeder runs pinned to it), by stage.
# Subjects of the year are admitted in the autumn before it (the 一上 of the budget cycle); those only admitted, not yet
# funded, in the last three weeks, so some are within their 10 days and some past them. The spread is by position, not
# drawn from the seeder's random stream, so every other demo value stays as it was.
ADMITTED_DAYS_AGO = {
    LibraryStage.ADMITTED: (1, 20),
    LibraryStage.FUNDED: (300, 60),
    LibraryStage.EXECUTING: (300, 60),
    LibraryStage.COMPLETED: (660, 60),
    LibraryStage.TERMINATED: (660, 60),
}


def _admitted_at(stage: str, i: int) -> datetime.datetime | None:
    """The admission time of the ``i``-th bulk subject at ``stage`` (None while it is still being applied for)."""
    from django.utils import timezone

    if stage not in ADMITTED_DAYS_AGO:
        return None
    first, spread = ADMITTED_DAYS_AGO[stage]
    day = clock.today() - datetime.timedelta(days=first + i % spread)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _seed_library(seeder) -> None:
    school = seeder.index.get("city:unit:教育:0")
    if Subject.objects.exclude(organisation=school).exists():
        return
    chain = (
        ChainDefinition.objects.filter(document_type="subjects.subject", region__isnull=True, is_active=True)
        .order_by("-version")
        .first()
    )
    orgs = list(
        Organisation.objects.filter(kind__in=BUDGETED_KINDS, is_active=True)
        .exclude(pk=getattr(school, "pk", None))
        .select_related("department")
        .order_by("path", "pk")
    )
    if chain is None or not orgs:
        return
    provider = Organisation.objects.filter(kind=OrgKind.PROVIDER).order_by("pk").first()
    rng, year = seeder.rng, fiscal.default_year()
    total = COUNTS.get(seeder.scale.name, COUNTS["small"])
    weights = [s[-1] for s in STATES]
    subjects, amounts, details = [], [], []
    seq = {y: int(next_code(y)[-5:]) for y in (year - 1, year)}
    for i in range(total):
        org = orgs[i % len(orgs)] if i < len(orgs) else rng.choice(orgs)
        department = org.department or org
        base, kind, category, sub, function_code = rng.choice(_names_for(department))
        status, step, role, stage, _ = rng.choices(STATES, weights)[0]
        fiscal_year = year - 1 if stage in (LibraryStage.COMPLETED, LibraryStage.TERMINATED) else year
        continuing = rng.random() < 0.4
        start_year = fiscal_year - (rng.randint(0, 1) if continuing else 0)
        end_year = max(start_year + 2, fiscal_year) if continuing else fiscal_year
        approved = status == ReviewStatus.APPROVED
        code = f"XM{fiscal_year}-{seq[fiscal_year]:05d}"
        seq[fiscal_year] += 1
        subjects.append(
            Subject(
                code=code,
                name=f"{org.short_name or org.name}{base}" if org.kind == OrgKind.DEPARTMENT else f"{org.name}{base}",
                kind=kind,
                organisation=org,
                department_id=org.department_id,
                fiscal_year=fiscal_year,
                start_year=start_year,
                end_year=end_year,
                duration=Duration.CONTINUING if continuing else Duration.ONE_OFF,
                is_new=(not approved) and not continuing and rng.random() < 0.5,
                budget_kind=rng.choices(BudgetKind.values, [85, 10, 3, 2])[0],
                fund_sources=rng.choice(FUND_SETS),
                function_subject_code=function_code,
                category=category,
                sub_category=sub,
                start_date=datetime.date(start_year, rng.randint(1, 4), 1),
                end_date=datetime.date(end_year, 12, 31),
                basis=f"《示范市{department.name.replace('示范市', '')}事业发展规划》及本年度重点工作安排",
                feasibility="实施方案已经单位集体研究，资金测算依据充分。",
                necessity="履行部门职责、保障重点工作的需要。",
                **form_facts(org, base, i),
                status=status,
                chain=chain,
                current_step=step if not approved else chain.last_order,
                current_role=role,
                stage=stage,
                admitted_at=_admitted_at(stage, i),
            )
        )
        requested = _amount(rng)
        arranged = None
        if stage in (LibraryStage.FUNDED, LibraryStage.EXECUTING, LibraryStage.COMPLETED):
            arranged = (requested * Decimal(rng.randint(80, 100)) / 100).quantize(Decimal("0.01"))
        previous = _amount(rng) if continuing and start_year < fiscal_year else Decimal("0.00")
        amounts.append((i, fiscal_year, previous, requested, arranged))
        if kind == SubjectKind.PURCHASED_SERVICE:
            details.append((i, org, requested, fiscal_year))
    _nobody_waits_in_vain(subjects)
    assert all(s.sub_category in SUB_CATEGORIES[Category(s.category)] for s in subjects)
    created = Subject.objects.bulk_create(subjects, batch_size=1000)
    SubjectYearAmount.objects.bulk_create(
        [
            SubjectYearAmount(
                subject=created[i], fiscal_year=y, previous_amount=p, requested_amount=r, arranged_amount=a
            )
            for i, y, p, r, a in amounts
        ],
        batch_size=1000,
    )
    PurchasedServiceDetail.objects.bulk_create(
        [
            PurchasedServiceDetail(
                subject=created[i],
                purchaser=org,
                provider=provider,
                contract_amount=amount,
                contract_start=datetime.date(y, 3, 1),
                contract_end=datetime.date(y, 12, 31),
                contract_content="按合同约定提供服务并接受绩效考核",
                on_guidance_catalogue=True,
                outside_negative_list=True,
            )
            for i, org, amount, y in details
        ],
        batch_size=1000,
    )
    seeder.created += len(created)
    trail.record(
        AuditAction.IMPORT,
        object_type="subjects.subject",
        object_repr="演示项目库",
        actor_name="系统（演示数据）",
        reason=f"seed_demo --scale {seeder.scale.name}：批量新建 {len(created)} 个项目（状态直接设定）",
    )
