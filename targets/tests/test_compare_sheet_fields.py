"""The version comparison shows the fields 附件1 added (issue 12 §2): an adjustment's changes to the 支出明细预算 lines
(本年度申请资金, 测算依据) and their total, the 前三年评价等级, the 自评计划 and the 其他说明 are visible on the page and in
the API, as the reviewers of an adjustment must see them (seed 000 第十六条: 调整的……按照申报和审核流程重新报批)."""

from decimal import Decimal

import pytest

from subjects.tests.helpers import user
from targets import actions
from targets.tests.helpers import fresh, walk
from targets.tests.test_form_print import ITEMS, full_sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def versions():
    # Given an approved sheet with two budget lines, adjusted: one line raised with a new basis, one removed,
    # one added, a grade corrected, the self-evaluation moved to 2027 and new notes
    v1 = walk(full_sheet("对比明细项目"))
    v2 = actions.adjust(v1, user("edu_preparer"), "上级追加维修任务")
    lines = [
        {**ITEMS[0], "requested_amount": Decimal("360000.00"), "basis": "3,600 平方米 × 100 元/平方米"},
        {"name": "外墙涂料", "previous_amount": Decimal("0"), "requested_amount": Decimal("50000.00"), "basis": ""},
    ]
    data = {
        "prior_grades": [{"year": 2025, "self": "优", "review": "优", "key": "B"}],
        "self_evaluation_year": 2027,
        "other_notes": "维修面积增加 600 平方米。",
    }
    v2 = actions.save_sheet(fresh(v2), user("edu_preparer"), fresh(v2).version, data=data, budget_items=lines)
    return fresh(v1), fresh(v2)


def test_compare_lists_budget_lines_grades_plan_and_notes(versions):
    v1, v2 = versions
    diff = actions.compare(v1, v2)
    budget = {r["label"]: r for r in diff["budget"]}
    assert budget["屋面防水修缮"]["kind"] == "changed"
    assert budget["屋面防水修缮"]["fields"] == ["本年度申请资金（元）", "测算依据及说明"]
    assert (budget["屋面防水修缮"]["left"], budget["屋面防水修缮"]["right"]) == ("300,000.00 元", "360,000.00 元")
    assert budget["=监理费"]["kind"] == "removed" and budget["外墙涂料"]["kind"] == "added"
    fields = {f["field"]: f for f in diff["fields"]}
    assert (fields["budget_total"]["left"], fields["budget_total"]["right"]) == ("500,000.00 元", "410,000.00 元")
    assert "2025 年：自评优" in fields["prior_grades"]["right"] and "2024 年" in fields["prior_grades"]["left"]
    assert (fields["self_evaluation_year"]["left"], fields["self_evaluation_year"]["right"]) == (
        "列入 2026 年度自评范围",
        "列入 2027 年度自评范围",
    )
    assert fields["other_notes"]["right"] == "维修面积增加 600 平方米。"


def test_unchanged_lines_are_the_same(versions):
    v1, _ = versions
    v1_again = fresh(v1)
    diff = actions.compare(v1, v1_again)
    assert diff["fields"] == [] and diff["budget_changes"] == []
    assert {r["kind"] for r in diff["budget"]} == {"same"}


def test_page_and_api_show_them(client_as, versions):
    v1, v2 = versions
    client = client_as("desk_edu")
    body = client.get(f"/targets/{v2.pk}/compare/?other={v1.pk}").content.decode()
    for text in (
        "支出明细预算（本年度申请资金、测算依据）",
        "屋面防水修缮",
        "360,000.00 元",
        "3,600 平方米 × 100 元/平方米",
        "外墙涂料",
        'data-kind="removed"',
        "支出明细预算合计（本年度申请）",
        "前三年绩效评价等级",
        "列入 2027 年度自评范围",
        "其他需要说明的情况",
    ):
        assert text in body, text
    data = client.get(f"/api/target-sheets/{v2.pk}/compare/?other={v1.pk}").json()
    assert {r["label"]: r["kind"] for r in data["budget_changes"]} == {
        "屋面防水修缮": "changed",
        "=监理费": "removed",
        "外墙涂料": "added",
    }
    assert {"prior_grades", "self_evaluation_year", "other_notes", "budget_total"} <= {
        f["field"] for f in data["fields"]
    }
