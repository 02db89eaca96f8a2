"""The automatic review compares the 支出明细预算 total with the year's requested amount (issue 12 §2):
seed 003 附件1-2 填表说明 二（三）1 — 本表“资金情况”栏的内容与部门预算《预算支出申报表》相应栏目内容相符，填写时注意两表的衔接.
A warning by default, configurable like every rule (severity, switch, tolerance), in a new version of the rule set."""

from decimal import Decimal

import pytest

from subjects.tests.helpers import user
from targets import actions, quality, review
from targets.choices import Severity
from targets.quality import RuleConfig
from targets.tests.helpers import fresh
from targets.tests.test_form_print import ITEMS, full_sheet
from targets.tests.test_quality import complete


def _budget(findings):
    return [f for f in findings if f.rule == "budget_total"]


# seed 003 附件1-2 填表说明 二（三）1
def test_a_total_unlike_the_request_is_a_warning_naming_both_amounts():
    findings = _budget(quality.run(complete(budget_total=Decimal("1234567.8"), requested_amount=Decimal("500000"))))
    assert [(f.severity, f.rule_name) for f in findings] == [(Severity.WARNING, "支出明细与申请金额一致")]
    assert findings[0].message == (
        "支出明细预算合计 1,234,567.80 元，与本年度申请金额 500,000.00 元不一致（多 734,567.80 元）"
    )
    less = _budget(quality.run(complete(budget_total=Decimal("480000"))))
    assert less[0].message.endswith("（少 20,000.00 元）")


# seed 003 附件1-2 填表说明 二（三）1
def test_an_equal_total_or_no_lines_passes():
    assert _budget(quality.run(complete(budget_total=Decimal("500000.00")))) == []
    assert _budget(quality.run(complete(budget_total=None))) == []  # no lines entered: nothing to compare
    assert _budget(quality.run(complete(budget_total=Decimal("1"), requested_amount=None))) == []


def test_severity_and_tolerance_are_configurable():
    config = quality.configuration({"budget_total": RuleConfig(Severity.BLOCKING, True, {"tolerance": "100"})})
    assert _budget(quality.run(complete(budget_total=Decimal("500050")), config)) == []
    blocking = _budget(quality.run(complete(budget_total=Decimal("500200")), config))
    assert [f.severity for f in blocking] == [Severity.BLOCKING]
    off = quality.configuration({"budget_total": RuleConfig(Severity.WARNING, False, {})})
    assert _budget(quality.run(complete(budget_total=Decimal("1")), off)) == []


@pytest.mark.django_db
def test_a_saved_sheet_is_checked_and_the_bureau_may_block():
    # Given a sheet whose lines add up to its 500,000 元 request
    sheet = full_sheet("明细合计校验项目")
    assert _budget(review.store(fresh(sheet))) == []
    # When a line is raised, the stored review warns
    lines = [dict(ITEMS[0], requested_amount=Decimal("350000.00")), ITEMS[1]]
    sheet = actions.save_sheet(fresh(sheet), user("edu_preparer"), fresh(sheet).version, budget_items=lines)
    findings = _budget(quality.findings_of(fresh(sheet)))
    assert [f.severity for f in findings] == [Severity.WARNING]
    assert "550,000.00 元" in findings[0].message and "500,000.00 元" in findings[0].message
    # And the performance section may make it blocking in a new version of the rule set
    actions.set_rule(user("perf"), "budget_total", severity=Severity.BLOCKING, reason="本市要求明细与申请一致")
    assert [f.severity for f in _budget(review.store(fresh(sheet)))] == [Severity.BLOCKING]
