"""The contract with the targets (绩效目标) app: no target, no budget.

长治市《预算绩效管理办法》第十一条（一）: 没有绩效目标的预算申请，财政不予安排预算资金; 张店区《区级部门单位预算绩效
管理办法》第十二条（一）: 绩效目标……作为申请预算和项目入库的前置条件. The library asks ``targets_clear`` before every
budget arrangement (``subjects.actions.fund``): the subject's target sheet of that year must be approved (the
version in force, ``TargetSheet.is_current``; an adjustment still in review leaves the approved one in force).
"""

from __future__ import annotations

from django.apps import apps

ARTICLE = "《长治市预算绩效管理办法》第十一条（一）：没有绩效目标的预算申请，财政不予安排预算资金"


# The finance bureau's steps of a target chain, whose opinions make the budget-arrangement opinion.
FINANCE_ROLES = frozenset({"finance_desk", "performance_section", "bureau_leader", "budget_section"})
OPINION_ARTICLE = "《政府购买服务预算绩效管理暂行办法》第十四条（二）：根据绩效目标审核情况提出预算安排意见"


def finance_target_opinions(subject, fiscal_year: int) -> str:
    """Finance's review opinions on ``subject``'s approved target sheet of ``fiscal_year``, one line per finance step
    that approved it, signed with the person's name and office: the default budget-arrangement opinion (seed 000
    第十四条（二）). Empty when there is no approved sheet or finance wrote nothing."""
    from django.contrib.contenttypes.models import ContentType

    from workflow.models import ReviewAction, ReviewLog, ReviewStatus

    model = apps.get_model("targets", "TargetSheet")
    sheet = model.objects.filter(
        subject=subject, fiscal_year=fiscal_year, is_current=True, status=ReviewStatus.APPROVED
    ).first()
    if sheet is None:
        return ""
    logs = ReviewLog.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id=sheet.pk, action=ReviewAction.APPROVE
    ).select_related("actor__organisation", "chain")
    roles = {}
    lines = []
    for log in logs:
        if log.chain_id not in roles:
            roles[log.chain_id] = {step.order: step.role for step in log.chain.ordered_steps()} if log.chain else {}
        if roles[log.chain_id].get(log.step) in FINANCE_ROLES:
            lines.append(f"{log.step_name}（{log.signed}）：{log.opinion.strip() or '同意'}")
    return "\n".join(lines)


def third_party_opinions(subject, fiscal_year: int) -> list[str]:
    """The submitted 第三方评审 opinions on the year's current target sheet (长治市《预算绩效管理办法》第十四条: 作为安排
    预算资金的重要参考依据), one line each: reviewer, conclusion, opinion."""
    model = apps.get_model("targets", "TargetThirdPartyReview")
    rows = model.objects.filter(
        sheet__subject=subject, sheet__fiscal_year=fiscal_year, sheet__is_current=True, submitted_at__isnull=False
    ).select_related("agency", "expert__organisation")
    return [f"{r.reviewer_name}：{r.get_conclusion_display()}。{r.opinion}" for r in rows]


def targets_clear(subject, fiscal_year: int) -> tuple[bool, str]:
    """(True, "") when ``subject`` has an approved target sheet for ``fiscal_year``; else (False, why, in Chinese)."""
    from workflow.models import ReviewStatus

    sheets = apps.get_model("targets", "TargetSheet").objects.filter(subject=subject, fiscal_year=fiscal_year)
    if sheets.filter(is_current=True, status=ReviewStatus.APPROVED).exists():
        return True, ""
    sheet = sheets.order_by("-revision").first()
    if sheet is None:
        where = f"尚未编制 {fiscal_year} 年度绩效目标"
    else:
        where = f"{fiscal_year} 年度绩效目标尚未审核通过（当前：{sheet.get_status_display()}）"
    return False, f"该项目{where}，不能安排预算（{ARTICLE}）"
