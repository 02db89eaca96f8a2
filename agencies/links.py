"""The detail pages of the register's records (``get_absolute_url``), set here because the models are fixed (issue 14
froze ``agencies/models.py``): the 待办 of a team proposal, the attachment panel of a contract's deliverables and the
review-chain pages all ask a record for its page. Imported by ``AgenciesConfig.ready``."""

from __future__ import annotations

from django.utils import timezone

from agencies.models import AgencyContract, AgencyProfile, Expert, ExpertDraw, TeamProposal
from core.links import detail_url

PAGES = {
    AgencyProfile: "agencies:detail",
    AgencyContract: "agencies:contract_detail",
    TeamProposal: "agencies:team_detail",
    Expert: "agencies:expert_detail",
    ExpertDraw: "agencies:draw_detail",
}


def _page(viewname: str):
    def get_absolute_url(self) -> str:
        return detail_url(viewname, self.pk)

    return get_absolute_url


for _model, _viewname in PAGES.items():
    _model.get_absolute_url = _page(_viewname)


def team_title(self) -> str:
    """How a team proposal is named in 待办 and lists: its contract and agency."""
    return f"第三方机构工作团队：{self.contract.agency}（{self.contract.title}）"


def team_name(self) -> str:
    return f"{self.contract.title} 工作团队（{timezone.localtime(self.created_at):%Y-%m-%d} 提出）"


TeamProposal.__str__ = team_name
TeamProposal.todo_title = team_title
TeamProposal.todo_select_related = ("contract__agency__organisation",)
