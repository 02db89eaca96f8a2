"""The evidence files (佐证材料) of a self-evaluation form, through the one attachment mechanism (core/attachments.py):
the unit adds and removes them while the form is a draft or returned; whoever reads the form reads them."""

from __future__ import annotations

from core.attachments import Attachments
from evaluations.models import SelfEvaluation, SelfEvaluationEvidence
from workflow import guards

EVIDENCE = Attachments(
    model=SelfEvaluationEvidence,
    parent_field="evaluation",
    label="佐证材料",
    can_change=guards.can_edit,
    refused="只有自评表的填报人在草稿或退回修改时可以上传、删除佐证材料",
    url_prefix="evaluations:evidence",
    anchor="evidence",
    fields=("row", "note", "file"),
    hint="可对应某项指标，也可作为整张自评表的佐证；PDF、OFD、Word、WPS、Excel、ZIP、图片；报送后不能再增删",
    parent_queryset=lambda: SelfEvaluation.objects.select_related("chain"),
    choices={"row": lambda form: form.indicators.all()},
)
