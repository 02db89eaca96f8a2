"""Demo 指标提议: 示范市教育局 proposes a new education indicator, waiting for the performance section."""

from __future__ import annotations

from accounts.models import User
from audit.context import acting_as
from core import services
from demo.seed import register
from indicators.models import IndicatorProposal
from workflow import actions

NAME = "义务教育学校标准化建设达标率"


@register
def seed_indicator_proposal(seeder) -> None:
    department = seeder.index.get("city:dept:教育")
    reviewer = User.objects.filter(username="edu_reviewer").first()
    if department is None or reviewer is None:
        return
    if IndicatorProposal.objects.filter(organisation=department, name=NAME).exists():
        return
    with acting_as(reviewer):
        proposal = services.create_record(
            IndicatorProposal(
                organisation=department,
                name=NAME,
                kind="sector",
                sector="JY",
                level1="产出",
                level2="质量",
                group="财政教育支出指标·财政资金产出效益",
                definition="反映义务教育学校办学条件达到省定标准化建设标准的程度。",
                formula="义务教育学校标准化建设达标率=达到标准化建设标准的学校数/义务教育学校总数×100%",
                unit="%",
                direction="positive",
                reference_values="≥95%",
                reason="手册教育支出指标侧重投入和科研，缺少反映义务教育均衡发展的办学条件指标。",
            )
        )
        seeder.created += 1
        actions.perform("submit", proposal, reviewer, proposal.version, "请预算绩效管理科审核入库", None)
