"""The contract with the ex-ante assessment (事前绩效评估) app.

seed 000 第十条: 评估结果作为项目入库和申请预算的必备条件. The library asks ``assessment_clears``
before admission (the last approval of the review chain) and before every budget allocation.
``assessments.gating`` decides when it exists; until then a subject that needs an assessment
(seed 000 第九条, ``Subject.needs_assessment``) is never cleared.
"""

from __future__ import annotations

FALLBACK_MESSAGE = "尚未完成事前绩效评估，不能入库或安排预算（《政府购买服务预算绩效管理暂行办法》第九条）"


def assessment_clears(subject) -> tuple[bool, str]:
    try:
        from assessments.gating import assessment_clears as impl
    except ModuleNotFoundError as exc:
        if exc.name not in ("assessments", "assessments.gating"):
            raise  # a broken assessments module must not silently open the gate
        impl = None
    if impl is not None:
        return impl(subject)
    if subject.needs_assessment:
        return False, FALLBACK_MESSAGE
    return True, ""
