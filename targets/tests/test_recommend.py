"""指标推荐 (docs/decisions/0013): indicators and value ranges from similar subjects of earlier fiscal years,
the actual of an indicator, and the one-click add through targets.actions."""

import datetime
import html
import json
import re
from decimal import Decimal

import pytest

from audit.models import AuditEntry
from subjects.tests.helpers import user
from targets import actions, recommend
from targets.models import TargetIndicator, TargetSheet
from targets.tests.helpers import fresh, library_subject
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def row(name, value, unit="%", level1="output", level2="quality", comparator="ge", actual=""):
    return {
        "horizon": "annual",
        "level1": level1,
        "level2": level2,
        "name": name,
        "comparator": comparator,
        "target_value": value,
        "unit": unit,
        "weight": Decimal("10"),
        "data_source": "验收报告",
        "standard": "plan",
        "last_year_actual": actual,
    }


def history(
    name,
    indicators,
    *,
    year=2025,
    category="administrative",
    sub_category="maintenance",
    basis="《示范市中小学校舍维修管理办法》",
    necessity="",
    subject=None,
    approved=True,
) -> TargetSheet:
    """An approved current sheet of ``year`` (set directly: the chain is not what these tests are about)."""
    subject = subject or library_subject(
        name,
        fiscal_year=year,
        start_year=year,
        end_year=year,
        start_date=datetime.date(year, 3, 1),
        end_date=datetime.date(year, 11, 30),
        category=category,
        sub_category=sub_category,
        basis=basis,
        necessity=necessity,
    )
    sheet = actions.create_sheet(subject, user("edu_preparer"), year)
    sheet = actions.save_sheet(
        sheet, user("edu_preparer"), sheet.version, data={"annual_goal": f"完成{name}"}, indicators=indicators
    )
    if approved:
        TargetSheet.objects.filter(pk=sheet.pk).update(status=ReviewStatus.APPROVED, current_role="")
    return fresh(sheet)


def current(name="推荐测试第二中学校舍维修项目", subject=None, **fields):
    subject = subject or library_subject(name, **fields)
    sheet = actions.create_sheet(subject, user("edu_preparer"), 2026)
    return actions.save_sheet(sheet, user("edu_preparer"), sheet.version, data={"annual_goal": "完成校舍维修"})


def test_bigram_similarity_prefers_shared_character_pairs():
    assert recommend.cosine("第二中学校舍维修项目", "第一中学校舍维修改造") > recommend.cosine(
        "第二中学校舍维修项目", "城乡居民医疗保险补助"
    )
    assert recommend.terms("校舍维修")["校舍"] == 1 and "舍维" in recommend.terms("校舍维修")


def test_a_similar_subject_ranks_above_a_dissimilar_one():
    similar = history("推荐测试第一中学校舍维修项目", [row("工程验收合格率", "100")], necessity="屋面渗漏、外墙脱落")
    other = history(
        "推荐测试机关办公设备购置",
        [row("设备验收合格率", "98")],
        sub_category="purchase",
        basis="《示范市政府采购管理办法》",
    )
    sheet = current(necessity="屋面渗漏")
    sources = recommend.similar_subjects(sheet)
    names = [s.name for s in sources]
    assert similar.subject.name in names
    if other.subject.name in names:
        assert names.index(similar.subject.name) < names.index(other.subject.name)
    suggestions = {s.name: (rank, s) for rank, s in enumerate(recommend.suggest(sheet))}
    # (the demo's own history of school maintenance projects may rank too; only the order of these two matters)
    rank, suggestion = suggestions["工程验收合格率"]
    assert suggestion.best.subject == similar.subject.name
    if "设备验收合格率" in suggestions:
        assert rank < suggestions["设备验收合格率"][0]


def test_sector_filter_other_project_types_are_not_sources():
    """项目类型 of 《长治市预算绩效管理办法》附件1 (经济建设类/行政事业发展类/其他专项类) is the sector."""
    history(
        "推荐测试校舍维修工程（经建）",
        [row("经建类指标", "1", unit="项")],
        category="economic",
        sub_category="renovation",
    )
    sheet = current("推荐测试校舍维修工程项目")
    assert all(s.name != "推荐测试校舍维修工程（经建）" for s in recommend.similar_subjects(sheet))
    assert all(s.name != "经建类指标" for s in recommend.suggest(sheet))


def continuing(name, first=2024, last=2026):
    return library_subject(
        name,
        fiscal_year=last,
        start_year=first,
        end_year=last,
        duration="continuing",
        start_date=datetime.date(first, 3, 1),
        end_date=datetime.date(last, 11, 30),
    )


def test_no_suggestions_from_the_subjects_own_sheets_or_later_years_or_drafts():
    sheet = current(subject=continuing("推荐测试自身项目校舍维修"))
    own_earlier = history("推荐测试自身项目校舍维修", [row("自身往年指标", "1", unit="项")], subject=sheet.subject)
    history("推荐测试同年校舍维修项目", [row("同年指标", "1", unit="项")], year=2026)
    history("推荐测试草稿校舍维修项目", [row("草稿指标", "1", unit="项")], approved=False)
    # the own current sheet has its own indicator, which is never suggested back
    actions.save_sheet(
        fresh(sheet), user("edu_preparer"), fresh(sheet).version, indicators=[row("自身当前指标", "1", unit="项")]
    )
    names = {s.name for s in recommend.suggest(fresh(sheet))}
    assert not names & {"自身往年指标", "自身当前指标", "同年指标", "草稿指标"}
    assert own_earlier.subject_id == sheet.subject_id
    assert sheet.subject_id not in {s.subject_id for s in recommend.similar_subjects(fresh(sheet))}


def test_value_range_over_similar_subjects_same_name_and_unit():
    history("推荐测试甲校校舍维修项目", [row("维修合格率", "90")])
    history("推荐测试乙校校舍维修项目", [row("维修合格率", "95")])
    history("推荐测试丙校校舍维修项目", [row("维修合格率", "0.97", unit="比率")])
    suggestions = {(s.name, s.unit): s for s in recommend.suggest(current())}
    percent = suggestions[("维修合格率", "%")]
    assert (percent.low, percent.high, percent.value_range) == (Decimal("90"), Decimal("95"), "90–95%")
    assert len(percent.uses) == 2 and suggestions[("维修合格率", "比率")].value_range == "0.97比率"


def test_a_suggested_cost_above_the_requested_amount_is_flagged(client_as):
    """适当性, seed 003 第十三条（三）: a cost the similar subject had (80 万元) above what this subject asks for this year
    (50 万元, the helper's request) is flagged in the list, before it is added (issue 12 §1)."""
    history(
        "推荐测试甲校校舍维修项目",
        [row("维修总成本", "80", unit="万元", level1="cost", level2="economic_cost", comparator="le")],
    )
    history(
        "推荐测试乙校校舍维修项目",
        [row("单位面积成本", "300", unit="元", level1="cost", level2="economic_cost", comparator="le")],
    )
    sheet = current()
    suggestions = {s.name: s for s in recommend.suggest(sheet)}
    assert "高于本项目本年度申请金额 500,000.00 元" in suggestions["维修总成本"].over_budget
    assert suggestions["单位面积成本"].over_budget == ""
    page = client_as("edu_preparer").get(f"/targets/{sheet.pk}/recommend/").content.decode()
    assert "data-over-budget" in page and "高于本项目本年度申请金额" in page


def test_actual_of_comes_from_the_next_years_sheet_and_can_be_extended():
    subject = continuing("推荐测试实际值校舍维修项目", 2024, 2025)
    earlier = history("", [row("屋面修缮面积", "3000", unit="平方米", level2="quantity")], year=2024, subject=subject)
    later = history(
        "推荐测试实际值校舍维修项目",
        [row("屋面修缮面积", "3200", unit="平方米", level2="quantity", actual="2950")],
        year=2025,
        subject=earlier.subject,
    )
    indicator = earlier.indicators.get()
    assert recommend.actual_of(indicator) == "2950"
    assert recommend.actual_of(later.indicators.get()) == ""
    suggestion = next(s for s in recommend.suggest(current()) if s.name == "屋面修缮面积")
    assert (suggestion.best.fiscal_year, suggestion.best.target_value, suggestion.best.actual) == (2025, "3200", "")

    def monitoring(indicators):
        return {i.pk: "3010（运行监控）" for i in indicators}

    recommend.register_actual_source(monitoring)
    try:
        assert recommend.actual_of(indicator) == "3010（运行监控）"
    finally:
        recommend._ACTUAL_SOURCES.remove(monitoring)


def test_one_click_add_goes_through_the_actions_and_the_quality_review(client_as):
    history("推荐测试添加校舍维修项目", [row("维修工程验收合格率", "100", actual="")])
    sheet = current()
    client = client_as("edu_preparer")
    page = client.get(f"/targets/{sheet.pk}/edit/").content.decode()
    assert "recommend-panel" in page and f"/targets/{sheet.pk}/recommend/" in page
    panel = client.get(f"/targets/{sheet.pk}/recommend/", HTTP_HX_REQUEST="true").content.decode()
    assert "维修工程验收合格率" in panel and "推荐测试添加校舍维修项目" in panel and "≥100%" in panel
    source = TargetSheet.objects.get(subject__name="推荐测试添加校舍维修项目")
    assert f"/targets/{source.pk}/" not in panel and source.subject.get_absolute_url() not in panel
    # on the edit page a suggestion is added in place (issue 12 §7): the button carries the row's values for the
    # form's grid, nothing is posted and nothing the preparer typed is lost
    fill = re.search(r'data-fill-indicator="([^"]+)"', panel)
    assert fill and "recommend/add/" not in panel and "hx-confirm" not in panel
    values = json.loads(html.unescape(fill.group(1)))
    assert (values["name"], values["target_value"], values["weight"], values["standard"]) == (
        "维修工程验收合格率",
        "100",
        "0",
        "history",
    )
    # the full page (opened without htmx, no grid to fill) still adds through the server
    assert "recommend/add/" in client.get(f"/targets/{sheet.pk}/recommend/").content.decode()
    checked = fresh(sheet).checked_at
    response = client.post(
        f"/targets/{sheet.pk}/recommend/add/",
        {
            "version": sheet.version,
            "horizon": "annual",
            "level1": "output",
            "level2": "quality",
            "name": "维修工程验收合格率",
            "unit": "%",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 204 and response["HX-Redirect"] == f"/targets/{sheet.pk}/edit/"
    sheet = fresh(sheet)
    added = sheet.indicators.get()
    assert (added.name, added.target_value, added.weight, added.standard) == ("维修工程验收合格率", "100", 0, "history")
    assert sheet.checked_at > checked
    assert AuditEntry.objects.filter(
        object_type="targets.targetsheet", object_id=str(sheet.pk), reason__startswith="采纳指标推荐"
    ).exists()
    # once on the sheet it is no longer suggested
    assert all(s.name != "维修工程验收合格率" for s in recommend.suggest(sheet))


def test_one_click_add_refused_to_a_reviewer_and_on_a_submitted_sheet(client_as):
    history("推荐测试拒绝校舍维修项目", [row("拒绝测试合格率", "100")])
    sheet = current()
    data = {
        "version": sheet.version,
        "horizon": "annual",
        "level1": "output",
        "level2": "quality",
        "name": "拒绝测试合格率",
        "unit": "%",
    }
    assert client_as("desk_edu").post(f"/targets/{sheet.pk}/recommend/add/", data).status_code == 404
    assert client_as("health_preparer").get(f"/targets/{sheet.pk}/recommend/").status_code == 404
    assert not TargetIndicator.objects.filter(sheet=sheet).exists()


def test_one_click_add_needs_the_annual_goal_first(client_as):
    history("推荐测试年度目标校舍维修项目", [row("年度目标测试合格率", "100")])
    sheet = actions.create_sheet(library_subject("推荐测试未填目标校舍维修项目"), user("edu_preparer"), 2026)
    client = client_as("edu_preparer")
    assert (
        "请先填写并保存“年度目标”"
        in client.get(f"/targets/{sheet.pk}/recommend/", HTTP_HX_REQUEST="true").content.decode()
    )
    client.post(
        f"/targets/{sheet.pk}/recommend/add/",
        {
            "version": sheet.version,
            "horizon": "annual",
            "level1": "output",
            "level2": "quality",
            "name": "年度目标测试合格率",
            "unit": "%",
        },
    )
    assert not TargetIndicator.objects.filter(sheet=sheet).exists()


def test_api_lists_and_adds(client_as):
    history("推荐测试接口校舍维修项目", [row("接口测试合格率", "99")])
    sheet = current()
    client = client_as("edu_preparer")
    listed = client.get(f"/api/target-sheet-documents/{sheet.pk}/recommendations/").json()
    item = next(s for s in listed["suggestions"] if s["name"] == "接口测试合格率")
    assert item["sources"][0]["subject"] == "推荐测试接口校舍维修项目" and item["value_range"] == "99%"
    response = client.post(
        f"/api/target-sheet-documents/{sheet.pk}/recommendations/",
        {k: item[k] for k in ("horizon", "level1", "level2", "name", "unit")},
        content_type="application/json",
    )
    assert response.status_code == 201 and fresh(sheet).indicators.filter(name="接口测试合格率").exists()
    assert (
        client_as("desk_edu")
        .post(f"/api/target-sheet-documents/{sheet.pk}/recommendations/", {}, content_type="application/json")
        .status_code
        == 403
    )
