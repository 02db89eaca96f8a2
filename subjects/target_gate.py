"""The contract with the targets (绩效目标) app: no target, no budget.

长治市《预算绩效管理办法》第十一条（一）: 没有绩效目标的预算申请，财政不予安排预算资金; 张店区《区级部门单位预算绩效
管理办法》第十二条（一）: 绩效目标……作为申请预算和项目入库的前置条件. The library asks ``targets_clear`` before every
budget arrangement (``subjects.actions.fund``): the subject's target sheet of that year must be approved (the
version in force, ``TargetSheet.is_current``; an adjustment still in review leaves the approved one in force).
"""

from __future__ import annotations

from django.apps import apps

ARTICLE = "《长治市预算绩效管理办法》第十一条（一）：没有绩效目标的预算申请，财政不予安排预算资金"


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
