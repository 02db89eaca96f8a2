"""Pages of target sheets: list filters and export, create, edit with formsets and the weight totals, detail with the
tree, findings and versions, adjustment and comparison (the persona matrix is in test_access_matrix.py)."""

import pytest

from subjects.tests.helpers import user
from targets import actions
from targets.models import TargetSheet
from targets.tests.helpers import GOOD_INDICATORS, fresh, good_sheet, library_subject, walk

pytestmark = pytest.mark.django_db


def test_list_filters_and_export(client_as):
    good_sheet(library_subject("筛选测试通过项目"))
    actions.create_sheet(library_subject("筛选测试阻断项目"), user("edu_preparer"), 2026)
    client = client_as("edu_preparer")
    body = client.get("/targets/?has_blocking=true&q=筛选测试").content.decode()
    assert "筛选测试阻断项目" in body and "筛选测试通过项目" not in body
    body = client.get("/targets/?status=draft&fiscal_year=2026&q=筛选测试").content.decode()
    assert "筛选测试阻断项目" in body and "筛选测试通过项目" in body
    response = client.get("/targets/?export=xlsx&q=筛选测试")
    assert response.status_code == 200 and "spreadsheet" in response["Content-Type"]


def test_create_from_a_subject_then_edit_with_formsets(client_as):
    subject = library_subject("页面新建目标项目")
    client = client_as("edu_preparer")
    assert client.get(f"/targets/new/?subject={subject.pk}").status_code == 200
    response = client.post("/targets/new/", {"subject": subject.pk, "fiscal_year": 2026})
    sheet = TargetSheet.objects.get(subject=subject)
    assert response.status_code == 302 and response["Location"] == f"/targets/{sheet.pk}/edit/"
    page = client.get(f"/targets/{sheet.pk}/edit/").content.decode()
    assert "data-weight-group" in page and "jixiao/targets.js" in page and "<script>" not in page
    data = {
        "version": sheet.version,
        "annual_goal": "完成 3000 平方米",
        "measure_organisation": "领导小组",
        "measure_rules": "",
        "measure_plan": "",
        "long_term_goal": "",
        "serves_public": "on",
        "buys_outputs": "on",
        "reason": "",
        "stage-TOTAL_FORMS": 1,
        "stage-INITIAL_FORMS": 0,
        "stage-0-stage": "施工",
        "stage-0-start": "2026-05-01",
        "stage-0-finish": "2026-09-30",
        "ind-TOTAL_FORMS": len(GOOD_INDICATORS),
        "ind-INITIAL_FORMS": 0,
    }
    for n, row in enumerate(GOOD_INDICATORS):
        for key, value in row.items():
            data[f"ind-{n}-{key}"] = value
    response = client.post(f"/targets/{sheet.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    sheet = fresh(sheet)
    assert sheet.indicators.count() == len(GOOD_INDICATORS) and sheet.blocking_count == 0
    # a level 2 that does not belong to its level 1 is refused by the form
    data["version"] = sheet.version
    data["ind-0-level2"] = "service_satisfaction"
    body = client.post(f"/targets/{sheet.pk}/edit/", data).content.decode()
    assert "不属于" in body


def test_detail_shows_tree_findings_and_review_panel_to_a_reviewer(client_as):
    sheet = good_sheet(library_subject("详情测试目标项目"))
    body = client_as("desk_edu").get(f"/targets/{sheet.pk}/").content.decode()
    for marker in ("tree-annual", "tree-long_term", "quality-findings", "review-panel", "产出指标", "维修校舍面积"):
        assert marker in body
    draft = actions.create_sheet(library_subject("详情阻断项目"), user("edu_preparer"), 2026)
    body = client_as("perf").get(f"/targets/{draft.pk}/").content.decode()
    assert "完整性" in body and "阻断" in body


def test_edit_refused_to_others_and_after_approval(client_as):
    sheet = good_sheet(library_subject("页面不可修改项目"))
    assert client_as("edu_head").get(f"/targets/{sheet.pk}/edit/").status_code == 404
    sheet = walk(sheet)
    assert client_as("edu_preparer").get(f"/targets/{sheet.pk}/edit/").status_code == 404


def test_submit_page_refuses_blocking_findings(client_as):
    sheet = actions.create_sheet(library_subject("页面提交阻断项目"), user("edu_preparer"), 2026)
    client = client_as("edu_preparer")
    response = client.post(
        f"/targets/{sheet.pk}/transition/", {"action": "submit", "version": sheet.version}, follow=True
    )
    assert "智能审核发现阻断性问题" in response.content.decode() and fresh(sheet).status == "draft"


def test_adjust_and_compare_pages(client_as):
    v1 = walk(good_sheet(library_subject("页面调整目标项目")))
    client = client_as("edu_preparer")
    response = client.post(f"/targets/{v1.pk}/adjust/", {"reason": "任务量增加"})
    v2 = TargetSheet.objects.get(previous=v1)
    assert response["Location"] == f"/targets/{v2.pk}/edit/"
    rows = [dict(r) for r in GOOD_INDICATORS]
    rows[1]["target_value"] = "98"
    actions.save_sheet(v2, user("edu_preparer"), fresh(v2).version, indicators=rows)
    body = client_as("desk_edu").get(f"/targets/{v2.pk}/compare/").content.decode()
    assert 'data-kind="changed"' in body and "指标值" in body
    body = client.get(f"/targets/{v1.pk}/").content.decode()
    assert "第 2 版" in body


def test_rule_settings_page_perf_changes_severity_others_only_read(client_as):
    from targets.models import QualityRuleSet, QualityRuleSetting

    assert client_as("edu_preparer").get("/targets/rules/").status_code == 200
    assert (
        client_as("edu_preparer").post("/targets/rules/", {"code": "weights", "severity": "warning"}).status_code == 404
    )
    response = client_as("perf").post(
        "/targets/rules/", {"code": "vague_wording", "severity": "warning", "is_active": "on", "params": ""}
    )
    assert response.status_code == 302
    assert QualityRuleSetting.objects.get(rule_set=QualityRuleSet.current(), code="vague_wording").severity == "warning"
    vague = [
        *GOOD_INDICATORS,
        {
            "horizon": "annual",
            "level1": "effect",
            "level2": "social_benefit",
            "name": "教学条件明显改善",
            "comparator": "ge",
            "target_value": "95",
            "unit": "%",
            "weight": 0,
        },
    ]
    sheet = good_sheet(library_subject("规则降级项目"), indicators=vague)
    assert (sheet.blocking_count, sheet.warning_count) == (0, 1)


def test_subject_page_offers_creating_the_sheet_to_its_preparer_only(client_as):
    subject = library_subject("项目页编制目标项目")
    assert "create-targets" in client_as("edu_preparer").get(f"/subjects/{subject.pk}/").content.decode()
    assert "create-targets" not in client_as("edu_reviewer").get(f"/subjects/{subject.pk}/").content.decode()
    good_sheet(subject)
    body = client_as("edu_reviewer").get(f"/subjects/{subject.pk}/").content.decode()
    assert "subject-targets" in body and "create-targets" not in body


def test_the_edit_form_keeps_unchanged_existing_indicators():
    """Only the rows a preparer changed used to be kept; an unchanged existing row must survive a save."""
    from targets.forms import IndicatorFormSet, formset_rows

    initial = [dict(r, library_indicator=None) for r in GOOD_INDICATORS]
    data = {"ind-TOTAL_FORMS": len(initial), "ind-INITIAL_FORMS": len(initial)}
    for n, row in enumerate(initial):
        for k, v in row.items():
            data[f"ind-{n}-{k}"] = "" if v is None else v
    fs = IndicatorFormSet(data, initial=initial, prefix="ind")
    assert fs.is_valid(), fs.errors
    assert len(formset_rows(fs)) == len(initial)


def test_an_untouched_blank_row_as_a_browser_posts_it_is_skipped():
    """A browser posts every select's first option: a blank indicator row must not look filled in."""
    from targets.forms import IndicatorFormSet, formset_rows

    browser_defaults = {
        "horizon": "annual",
        "level1": "",
        "level2": "",
        "name": "",
        "comparator": "ge",
        "target_value": "",
        "unit": "",
        "weight": "0",
        "data_source": "",
        "standard": "plan",
        "last_year_actual": "",
        "library_indicator": "",
    }
    data = {"ind-TOTAL_FORMS": "1", "ind-INITIAL_FORMS": "0"}
    data.update({f"ind-0-{k}": v for k, v in browser_defaults.items()})
    formset = IndicatorFormSet(data, prefix="ind")
    assert formset.is_valid(), formset.errors
    assert formset_rows(formset) == []
    first_option = formset.forms[0]["level1"].field.choices[0]
    assert first_option[0] == ""
