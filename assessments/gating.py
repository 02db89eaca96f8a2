"""Whether a subject's ex-ante assessment lets it into the project library and a budget.

The contract with ``subjects`` (subjects.assessment_gate): the library calls ``assessment_clears``
before admitting a subject and before funding it.

seed 000 第九条 (purchased services) and seed 001 第九条: a subject that needs an assessment (new,
substantially changed with new money, new task inside an existing fund, extended at expiry, or
marked by finance) may be neither admitted nor funded until an assessment with a passing conclusion
is approved; "未开展绩效评估或绩效评估结果差的政策和项目不得列入中期财政规划和年度预算，相关项目
不得纳入项目库". An approved 不予支持 — by the department or by a third party commissioned by finance —
blocks the subject for good: it is re-applied for as a new subject (``Subject.previous``).
"""

from __future__ import annotations

from assessments.choices import PASSING_CONCLUSIONS, Conclusion
from workflow.models import ReviewStatus

PURCHASED_BASIS = "《政府购买服务预算绩效管理暂行办法》第九条"  # seed 000
GENERAL_BASIS = "《部门单位预算绩效管理办法》第九条"  # seed 001
NOT_ASSESSED = (
    "该项目须开展事前绩效评估（{basis}），尚无审核通过且结论为“予以支持”或“完善后予以支持”的评估，不得入库或安排预算"
)
REJECTED = "该项目事前绩效评估结论为“不予支持”（{basis}：评估结果差的项目不得纳入项目库），不得入库或安排预算"


def _basis(subject) -> str:
    return PURCHASED_BASIS if subject.kind == "purchased_service" else GENERAL_BASIS


def approved_conclusions(subject) -> set[str]:
    from assessments.models import Assessment

    return set(
        Assessment.objects.filter(subject=subject, status=ReviewStatus.APPROVED).values_list("conclusion", flat=True)
    )


def assessment_clears(subject) -> tuple[bool, str]:
    """(True, "") when the subject needs no assessment or has passed it; else (False, why not)."""
    if not subject.needs_assessment:
        return True, ""
    conclusions = approved_conclusions(subject)
    if Conclusion.REJECT in conclusions:
        return False, REJECTED.format(basis=_basis(subject))
    if conclusions & PASSING_CONCLUSIONS:
        return True, ""
    return False, NOT_ASSESSED.format(basis=_basis(subject))
