"""The evidence files (佐证材料) of an ex-ante assessment, through the one attachment mechanism (core/attachments.py):
each file backs one assessment point or the assessment as a whole; the preparer adds and removes them while the
assessment is a draft or returned, each change audited; whoever reads the assessment downloads them, through the
gate."""

from __future__ import annotations

from assessments.models import Assessment, AssessmentEvidence
from core.attachments import Attachments
from workflow import guards


def _points(assessment):
    return assessment.scores.select_related("point").order_by("point__order")


EVIDENCE = Attachments(
    model=AssessmentEvidence,
    parent_field="assessment",
    label="佐证材料",
    can_change=guards.can_edit,
    refused="只有当前填报人可以在草稿或退回状态下上传、删除佐证材料",
    url_prefix="assessments:evidence",
    anchor="evidence",
    fields=("score", "note", "file"),
    hint="可对应某个评估要点，也可作为整个评估的佐证；请先保存已填的评分再上传；PDF、OFD、Word、WPS、Excel、ZIP、图片；提交后不能再增删",
    parent_queryset=lambda: Assessment.objects.select_related("chain"),
    choices={"score": _points},
    choice_labels={"score": lambda row: f"{row.point.dimension} · {row.point.name}"},
)
