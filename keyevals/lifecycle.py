"""The key evaluation's lifecycle (seed 003 第三十七–四十一条): 评价准备 → 评价实施 → 评分 → 报告 → 已完成 → 已归档.

One ``workflow.lifecycle.Lifecycle``; the plan and the report are its review-chain documents (``documents``). Pages,
API and demo take steps only through ``lifecycle.run("keyevals.keyevaluation" …)`` via ``keyevals.lifecycle.run``.
"""

from __future__ import annotations

from accounts.roles import Capability, roles_with
from core import clock
from keyevals.models import KeyEvaluation, KeyStatus, LetterStatus, SheetStatus
from workflow import lifecycle
from workflow.models import ReviewStatus

# Finance's performance section or the department that organises the evaluation (seed 003 第三十七条).
ORGANISER_ROLES = roles_with(Capability.ORGANISE_KEY_EVALUATIONS)


def plan_approved(evaluation) -> bool:
    return evaluation.plans.filter(status=ReviewStatus.APPROVED).exists()


def notice_sent(evaluation) -> bool:
    return evaluation.notices.exists()


def ready_for_fieldwork(evaluation) -> bool:
    return plan_approved(evaluation) and notice_sent(evaluation)


def scoring_settled(evaluation) -> bool:
    """Every scorer submitted, or the scoring deadline passed with at least one sheet submitted."""
    sheets = evaluation.score_sheets.all()
    submitted = sheets.filter(status=SheetStatus.SUBMITTED).count()
    if submitted == 0:
        return False
    if submitted == sheets.count() and not evaluation.members.filter(scores=True, score_sheets__isnull=True).exists():
        return True
    return evaluation.scoring_due is not None and clock.today() > evaluation.scoring_due


def feedback_settled(evaluation) -> bool:
    """The feedback letter was answered, or its date passed and it counts as no objection (seed 003 附件6)."""
    letters = evaluation.feedback_letters.all()
    return letters.exists() and not letters.filter(status=LetterStatus.AWAITING).exists()


def may_conclude(evaluation) -> bool:
    return feedback_settled(evaluation) and evaluation.reports.filter(status=ReviewStatus.APPROVED).exists()


LIFECYCLE = lifecycle.register(
    lifecycle.Lifecycle(
        model=KeyEvaluation,
        noun="重点评价",
        versioned=True,
        documents=("plans", "reports"),
        steps={
            "start_fieldwork": lifecycle.Step(
                "开始评价实施",
                frozenset({KeyStatus.PREPARING}),
                KeyStatus.FIELDWORK,
                ORGANISER_ROLES,
                condition=ready_for_fieldwork,
                refusal="工作方案审批通过并发出评价通知书后，才能开始评价实施",
                denied="只有组织本次评价的单位可以推进评价进度",
            ),
            "start_scoring": lifecycle.Step(
                "开始评分",
                frozenset({KeyStatus.FIELDWORK}),
                KeyStatus.SCORING,
                ORGANISER_ROLES,
                condition=plan_approved,
                refusal="工作方案审批通过后才能评分",
                denied="只有组织本次评价的单位可以推进评价进度",
            ),
            "close_scoring": lifecycle.Step(
                "结束评分并汇总",
                frozenset({KeyStatus.SCORING}),
                KeyStatus.REPORTING,
                ORGANISER_ROLES,
                condition=scoring_settled,
                refusal="评分人尚未全部提交评分，且评分截止日期未到",
                denied="只有组织本次评价的单位可以推进评价进度",
            ),
            "conclude": lifecycle.Step(
                "完成评价",
                frozenset({KeyStatus.REPORTING}),
                KeyStatus.CONCLUDED,
                ORGANISER_ROLES,
                condition=may_conclude,
                refusal="评价报告审核通过、被评价单位已反馈（或逾期视同无异议）后才能完成评价",
                documents_in=frozenset({ReviewStatus.APPROVED}),
                denied="只有组织本次评价的单位可以完成评价",
            ),
            "archive": lifecycle.Step(
                "归档",
                frozenset({KeyStatus.CONCLUDED}),
                KeyStatus.ARCHIVED,
                ORGANISER_ROLES,
                condition=lambda e: e.archive_files.exists(),
                refusal="评价档案为空，请先归集档案材料",
                denied="只有组织本次评价的单位可以归档",
            ),
        },
    )
)


def run(name: str, evaluation, user, *, version=None, reason: str = "", apply=None):
    return LIFECYCLE.run(name, evaluation, user, version=version, reason=reason, apply=apply)
