"""Comments pinned to indicators, the correction deadline, the summary for reviewers and versioned rule sets."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from core import clock, todo
from subjects.tests.helpers import user
from targets import actions
from targets.models import IndicatorComment, QualityRuleSet, QualityRuleSetting, TargetSheet
from targets.tests.helpers import GOOD_INDICATORS, fresh, good_sheet, library_subject, walk
from workflow import actions as workflow

pytestmark = pytest.mark.django_db


def at_desk(name="意见测试项目"):
    sheet = good_sheet(library_subject(name))
    workflow.submit(sheet, user("edu_preparer"), sheet.version)
    for username in ("edu_head", "edu_reviewer"):
        workflow.approve(sheet, user(username), sheet.version, "同意")
    return fresh(sheet)


def test_reviewer_of_the_current_step_pins_comments_and_a_return_lists_them():
    sheet = at_desk()
    area = sheet.indicators.get(name="维修校舍面积")
    with pytest.raises(PermissionDenied):
        actions.add_comment(sheet, user("edu_reviewer"), "不该由我提", area)  # step passed on
    with pytest.raises(ValidationError):
        actions.add_comment(sheet, user("desk_edu"), "  ", area)
    comment = actions.add_comment(sheet, user("desk_edu"), "面积测算依据不足", area)
    actions.add_comment(sheet, user("desk_edu"), "保障措施过于笼统")
    assert comment.step_name == "财政业务科室审核" and comment.indicator_label.endswith("维修校舍面积")
    assert AuditEntry.objects.filter(object_type="targets.indicatorcomment", object_id=str(comment.pk)).exists()
    workflow.perform("return", sheet, user("desk_edu"), sheet.version, "请修改", 0)
    opinion = fresh(sheet).reviews.last().opinion
    assert opinion.startswith("请修改") and "面积测算依据不足" in opinion and "【整表】保障措施过于笼统" in opinion
    # the preparer sees them, saves (the indicator row is kept, so the comment stays pinned) and resolves one
    sheet = fresh(sheet)
    rows = [dict(r) for r in GOOD_INDICATORS]
    rows[0]["target_value"] = "3200"
    sheet = actions.save_sheet(sheet, user("edu_preparer"), sheet.version, indicators=rows)
    pinned, other = actions.comments_by_indicator(fresh(sheet))
    assert [c.text for c in pinned[sheet.indicators.get(name="维修校舍面积").pk]] == ["面积测算依据不足"]
    assert [c.text for c in other] == ["保障措施过于笼统"]
    actions.resolve_comment(comment, user("edu_preparer"))
    assert IndicatorComment.objects.get(pk=comment.pk).resolved
    with pytest.raises(PermissionDenied):
        actions.resolve_comment(other[0], user("desk_social"))


def test_comments_are_preserved_across_revisions():
    sheet = at_desk("意见跨版本项目")
    actions.add_comment(sheet, user("desk_edu"), "成本偏高", sheet.indicators.get(name="维修改造成本"))
    for username in ("desk_edu", "perf", "leader", "budget"):
        workflow.approve(sheet, user(username), sheet.version, "同意")
    v2 = actions.adjust(fresh(sheet), user("edu_preparer"), "追加任务")
    pinned, _ = actions.comments_by_indicator(v2)
    assert [c.text for c in pinned[v2.indicators.get(name="维修改造成本").pk]] == ["成本偏高"]


def test_comment_page_and_api(client_as):
    sheet = at_desk("意见页面项目")
    area = sheet.indicators.get(name="维修校舍面积")
    body = client_as("desk_edu").get(f"/targets/{sheet.pk}/").content.decode()
    assert f'id="comments-{area.pk}"' in body and "comment-form" in body
    assert "comment-form" not in client_as("edu_preparer").get(f"/targets/{sheet.pk}/").content.decode()
    response = client_as("desk_edu").post(
        f"/targets/{sheet.pk}/comments/", {"indicator": area.pk, "text": "请补充依据"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "请补充依据" in response.content.decode()
    assert client_as("edu_preparer").post(f"/targets/{sheet.pk}/comments/", {"text": "x"}).status_code == 404
    response = client_as("desk_edu").post(
        f"/api/target-sheets/{sheet.pk}/comments/",
        {"indicator": area.pk, "text": "接口意见"},
        content_type="application/json",
    )
    assert response.status_code == 201
    texts = [c["text"] for c in client_as("edu_preparer").get(f"/api/target-sheets/{sheet.pk}/comments/").json()]
    assert texts == ["请补充依据", "接口意见"]
    response = client_as("desk_edu").post(
        f"/api/target-sheets/{sheet.pk}/return/",
        {"version": sheet.version, "opinion": "退回", "target_step": 0},
        content_type="application/json",
    )
    assert response.status_code == 200 and "接口意见" in fresh(sheet).reviews.last().opinion


# --- correction deadline: 阿图什市《预算绩效管理第三方服务采购项目技术要求》三（五）2 ----------------------------


def test_correction_due_10_days_after_a_return_day_10_not_overdue_day_11_overdue(monkeypatch, client_as):
    """三（五）2: 因项目变动若有调整的绩效目标，须在10日内同步进行校正 — after a return."""
    sheet = at_desk("整改期限退回项目")
    returned_at = clock.now()
    monkeypatch.setattr(clock, "now", lambda: returned_at)
    workflow.return_to(sheet, user("desk_edu"), sheet.version, 0, "请修改")
    sheet = fresh(sheet)
    assert sheet.step_due_at == returned_at + datetime.timedelta(days=10)
    assert sheet.deadline_label == "整改期限"
    assert not actions.is_overdue(sheet, now=returned_at + datetime.timedelta(days=10))
    assert actions.is_overdue(sheet, now=returned_at + datetime.timedelta(days=11))
    # the list filter and 待办 at day 10 and day 11
    for days, late in ((10, False), (11, True)):
        monkeypatch.setattr(clock, "now", lambda d=days: returned_at + datetime.timedelta(days=d))
        body = client_as("edu_preparer").get("/targets/?overdue=true&q=整改期限退回项目").content.decode()
        assert ("整改期限退回项目</a>" in body) is late
        item = next(i for i in todo.todos_for(user("edu_preparer")) if "整改期限退回项目" in i.title)
        assert item.overdue is late and item.kind == "退回修改"
    assert "整改期限" in client_as("edu_preparer").get("/targets/?q=整改期限退回项目").content.decode()


def test_correction_due_10_days_after_an_adjustment_is_started(monkeypatch):
    """三（五）2 — an adjustment revision is due 10 days after it is started."""
    v1 = walk(good_sheet(library_subject("整改期限调整项目")))
    started = clock.now()
    monkeypatch.setattr(clock, "now", lambda: started)
    v2 = actions.adjust(v1, user("edu_preparer"), "政策变化")
    assert v2.step_due_at == started + datetime.timedelta(days=10) and v2.deadline_label == "整改期限"
    assert not actions.is_overdue(v2, now=started + datetime.timedelta(days=10))
    assert actions.is_overdue(v2, now=started + datetime.timedelta(days=11))


# --- 绩效目标汇总 -------------------------------------------------------------------------------------------


def test_summary_counts_by_department_and_status_scoped_by_the_gate(client_as):
    good_sheet(library_subject("汇总测试通过项目"))
    actions.create_sheet(library_subject("汇总测试阻断项目"), user("edu_preparer"), 2026)
    data = actions.summary(user("edu_reviewer"), 2026)
    row = next(r for r in data["rows"] if r["name"] == "示范市教育局")
    assert row["statuses"]["draft"] >= 2 and row["blocking"] >= 1
    assert any(r["rule"] == "completeness" for r in data["rules"])
    assert all(r["name"] == "示范市教育局" for r in data["rows"])
    assert not [r for r in actions.summary(user("desk_social"), 2026)["rows"] if r["name"] == "示范市教育局"]
    body = client_as("desk_edu").get("/targets/summary/?fiscal_year=2026").content.decode()
    assert f"department={row['id']}&status=draft" in body
    assert client_as("edu_preparer").get("/targets/summary/").status_code == 404
    response = client_as("perf").get("/targets/summary/?fiscal_year=2026&export=xlsx")
    assert response.status_code == 200 and "spreadsheet" in response["Content-Type"]
    listed = (
        client_as("edu_reviewer")
        .get(f"/targets/?fiscal_year=2026&is_current=true&department={row['id']}&has_blocking=true")
        .content.decode()
    )
    assert "汇总测试阻断项目" in listed and "汇总测试通过项目" not in listed


# --- versioned rule sets -----------------------------------------------------------------------------------


def test_editing_a_rule_creates_a_new_version_and_findings_name_their_version(client_as):
    before = QualityRuleSet.current()
    assert before is not None  # version 1 from the data migration
    sheet = good_sheet(library_subject("规则版本项目"))
    assert sheet.rule_set == before
    body = client_as("edu_preparer").get(f"/targets/{sheet.pk}/").content.decode()
    assert f"按第 {before.number} 版审核规则" in body
    actions.set_rule(user("perf"), "feasibility", severity="blocking", reason="加严")
    current = QualityRuleSet.current()
    assert current.number == before.number + 1 and current.created_by == user("perf")
    assert QualityRuleSetting.objects.get(rule_set=current, code="feasibility").severity == "blocking"
    assert not QualityRuleSetting.objects.filter(rule_set=before, code="feasibility", severity="blocking").exists()
    sheet = actions.save_sheet(fresh(sheet), user("edu_preparer"), fresh(sheet).version, data={"annual_goal": "改"})
    assert TargetSheet.objects.get(pk=sheet.pk).rule_set == current
    old = client_as("edu_preparer").get(f"/targets/rules/?version={before.number}").content.decode()
    assert "历史版本，只读" in old
    assert client_as("perf").get(f"/targets/rules/?version={before.number}").content.decode().count("保存为新版本") == 0
    with pytest.raises(PermissionDenied):
        actions.set_rule(user("desk_edu"), "feasibility", severity="warning")
