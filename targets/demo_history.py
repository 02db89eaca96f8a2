"""Demo history for 指标推荐 (targets.recommend): last fiscal year's completed subjects of the education
department's schools with their approved target sheets, as a bureau that moved from an earlier system would
hold them. They are loaded as history (one audit row each, "历史数据"), not walked through the review chain:
last year's chain ran in the earlier system. Deterministic; a second run creates nothing. Registered after
targets.demo (imported by TargetsConfig.ready after it)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from audit import trail
from audit.models import AuditAction
from core import fiscal
from demo.seed import register
from targets import review

HISTORY_REASON = "历史数据：上年度项目及已批复绩效目标（自原系统迁移）"

# (unit index, name, sub_category, amount, [(level1, level2, name, comparator, value, unit, weight)])
HISTORY = [
    (
        0,
        "第一中学教学楼维修项目",
        "maintenance",
        "620000.00",
        [
            ("output", "quantity", "维修教学楼面积", "ge", "3200", "平方米", 20),
            ("output", "quality", "维修工程验收合格率", "ge", "100", "%", 15),
            ("output", "timeliness", "暑期内完工率", "ge", "95", "%", 5),
            ("cost", "economic_cost", "单位面积维修成本", "le", "195", "元/平方米", 10),
            ("effect", "social_benefit", "教学用房安全隐患消除率", "ge", "100", "%", 30),
            ("satisfaction", "service_satisfaction", "师生满意度", "ge", "90", "%", 10),
        ],
    ),
    (
        1,
        "第二中学校舍维修改造项目",
        "maintenance",
        "480000.00",
        [
            ("output", "quantity", "维修校舍面积", "ge", "2600", "平方米", 20),
            ("output", "quality", "维修工程验收合格率", "ge", "100", "%", 15),
            ("output", "timeliness", "按计划完成率", "ge", "95", "%", 5),
            ("cost", "economic_cost", "项目总成本", "le", "48", "万元", 10),
            ("effect", "social_benefit", "教学用房安全隐患消除率", "ge", "95", "%", 30),
            ("satisfaction", "service_satisfaction", "师生满意度", "ge", "85", "%", 10),
        ],
    ),
    (
        2,
        "第三中学运动场维修项目",
        "maintenance",
        "350000.00",
        [
            ("output", "quantity", "维修运动场面积", "ge", "5000", "平方米", 20),
            ("output", "quality", "塑胶跑道检测合格率", "ge", "100", "%", 15),
            ("output", "timeliness", "按计划完成率", "ge", "90", "%", 5),
            ("cost", "economic_cost", "项目总成本", "le", "35", "万元", 10),
            ("effect", "social_benefit", "学生体育活动时间保障率", "ge", "95", "%", 30),
            ("satisfaction", "service_satisfaction", "师生满意度", "ge", "90", "%", 10),
        ],
    ),
    (
        3,
        "实验小学多媒体教室设备购置项目",
        "purchase",
        "260000.00",
        [
            ("output", "quantity", "购置多媒体设备数量", "ge", "24", "套", 20),
            ("output", "quality", "设备验收合格率", "ge", "100", "%", 15),
            ("output", "timeliness", "设备按时到位率", "ge", "95", "%", 5),
            ("cost", "economic_cost", "项目总成本", "le", "26", "万元", 10),
            ("effect", "social_benefit", "信息化教学覆盖率", "ge", "90", "%", 30),
            ("satisfaction", "service_satisfaction", "师生满意度", "ge", "90", "%", 10),
        ],
    ),
]


def _history_subject(unit, name: str, sub_category: str, amount: Decimal, year: int):
    from subjects import services as subject_services
    from subjects.choices import LibraryStage
    from subjects.models import Subject, SubjectYearAmount
    from workflow.models import ReviewStatus

    subject = Subject(
        name=name,
        kind="project",
        organisation=unit,
        fiscal_year=year,
        start_year=year,
        end_year=year,
        duration="one_off",
        is_new=False,
        budget_kind="general",
        fund_sources=["local"],
        function_subject_code="2050203",
        category="administrative",
        sub_category=sub_category,
        start_date=datetime.date(year, 3, 1),
        end_date=datetime.date(year, 12, 31),
        basis="《示范市义务教育学校办学条件标准》",
        feasibility="方案经学校行政会研究，实施条件成熟。",
        necessity="设施老化，影响正常教学和师生安全。",
    )
    subject_services.create_subject(
        subject, previous_amount=Decimal("0"), requested_amount=amount, reason=HISTORY_REASON
    )
    Subject.objects.filter(pk=subject.pk).update(stage=LibraryStage.COMPLETED, status=ReviewStatus.APPROVED)
    SubjectYearAmount.objects.filter(subject=subject, fiscal_year=year).update(arranged_amount=amount)
    trail.record(
        AuditAction.UPDATE,
        subject,
        reason=HISTORY_REASON,
        changes={"库内阶段": ["申报中", "已完成"], "财政实际安排": ["", str(amount)]},
    )
    subject.refresh_from_db()
    return subject


def _history_sheet(subject, rows, year: int) -> None:
    from targets.models import TargetIndicator, TargetSheet
    from workflow.models import ReviewStatus

    sheet = TargetSheet.objects.create(
        subject=subject,
        fiscal_year=year,
        annual_goal=f"按计划完成{subject.name}，改善办学条件，师生满意。",
        measure_organisation="成立项目实施领导小组。",
        measure_rules="执行财务、采购和工程管理制度。",
        measure_plan="按季度推进。",
    )
    TargetIndicator.objects.bulk_create(
        [
            TargetIndicator(
                sheet=sheet,
                order=i,
                horizon="annual",
                level1=l1,
                level2=l2,
                name=name,
                comparator=cmp,
                target_value=value,
                unit=unit,
                weight=Decimal(weight),
                data_source="项目验收资料",
                standard="history",
            )
            for i, (l1, l2, name, cmp, value, unit, weight) in enumerate(rows)
        ]
    )
    TargetSheet.objects.filter(pk=sheet.pk).update(status=ReviewStatus.APPROVED, is_current=True)
    sheet.refresh_from_db()
    review.store(sheet)
    trail.record(AuditAction.CREATE, sheet, reason=HISTORY_REASON)


@register
def seed_target_history(seeder) -> None:
    from subjects.models import Subject

    year = fiscal.default_year() - 1
    for unit_index, name, sub_category, amount, rows in HISTORY:
        unit = seeder.index.get(f"city:unit:教育:{unit_index}")
        if unit is None or Subject.objects.filter(organisation=unit, name=name, fiscal_year=year).exists():
            continue
        subject = _history_subject(unit, name, sub_category, Decimal(amount), year)
        _history_sheet(subject, rows, year)
        seeder.created += 1
