"""The deliverables of a contract (seed 004 三(二)–(八): the work plan, tables, reports, trainings…; 三(九)2 "每项工作完成后
需甲方书面验收确认"). The agency uploads each one on the contract's page through the one attachment mechanism
(``core.attachments``: gated, audited, content-checked); the commissioning office accepts it or returns it, in writing
(an opinion is required to return), dated and audited. A decided deliverable is kept as it is: a corrected one is
uploaded again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from agencies.acting import acting
from agencies.actions import commissions, contract_is_open, is_agency_of, refuse
from agencies.models import AgencyContract, Deliverable, DeliverableDecision
from core import clock, services
from core.attachments import Attachments

UPLOAD_DENIED = "只有受托机构可以在合同履行期间上传委托成果"
DECIDE_DENIED = "只有委托方可以验收或退回委托成果"


def may_upload(user, contract) -> bool:
    return contract_is_open(contract) and is_agency_of(user, contract)


class DeliverableFiles(Attachments):
    """Deliverables as attachments of the contract; one that has been decided is not deleted."""

    def remove(self, item, user) -> None:
        if item.decision != DeliverableDecision.PENDING:
            raise ValidationError(f"“{item.title}”已{item.get_decision_display()}，不能删除")
        super().remove(item, user)

    def delete_view(self):
        base = super().delete_view()

        @login_required
        @require_POST
        def delete(request, pk, attachment_pk):
            try:
                return base(request, pk, attachment_pk)
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
                return redirect(self._parent(request, pk).get_absolute_url() + f"#{self.anchor}")

        return delete


DELIVERABLES = DeliverableFiles(
    model=Deliverable,
    parent_field="contract",
    label="委托成果",
    can_change=may_upload,
    refused=UPLOAD_DENIED,
    url_prefix="agencies:deliverable",
    anchor="deliverables",
    title="委托成果及验收",
    fields=("kind", "title", "note", "file"),
    hint="工作方案、表格资料、报告、培训记录等；PDF、OFD、Word、WPS、Excel、ZIP、图片。委托方书面验收或退回后不能删除",
    parent_queryset=lambda: AgencyContract.objects.select_related("agency__organisation", "commissioner"),
)


def decide(user, deliverable: Deliverable, decision: str, note: str = "") -> Deliverable:
    """验收 (accept) or 退回 (return) a pending deliverable; returning needs the opinion."""
    contract = deliverable.contract
    if not commissions(user, contract):
        raise refuse(deliverable, user, DECIDE_DENIED)
    note = (note or "").strip()
    errors = {}
    if decision not in (DeliverableDecision.ACCEPTED, DeliverableDecision.RETURNED):
        errors["decision"] = "请选择验收通过或退回"
    elif decision == DeliverableDecision.RETURNED and not note:
        errors["note"] = "退回时请写明退回意见"
    if deliverable.decision != DeliverableDecision.PENDING:
        errors["decision"] = f"该成果已{deliverable.get_decision_display()}，不能再次验收"
    if errors:
        raise ValidationError(errors)
    with acting(user):
        services.update_record(
            deliverable,
            {"decision": decision, "decision_note": note, "decided_by": user, "decided_at": clock.now()},
            reason="验收委托成果" if decision == DeliverableDecision.ACCEPTED else f"退回委托成果：{note}",
        )
    return deliverable


def deliverables_of(contract):
    return Deliverable.objects.filter(contract=contract).select_related("uploaded_by", "decided_by")
