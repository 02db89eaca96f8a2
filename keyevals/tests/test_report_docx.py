"""The Word documents of the report stage, laid out as seed 003 附件5-1 (the report) and 附件6 (the feedback letter),
and following the print rules of every Word output (core.docx, core/tests/docx_rules.py)."""

from __future__ import annotations

import datetime

import pytest

from core import clock
from core.tests import docx_rules as rules
from keyevals import letters, report_actions, report_docx
from keyevals.models import EvaluationStage, KeyEvaluation
from keyevals.tests.report_fixtures import make_evaluation, send_letter, user, with_report

pytestmark = pytest.mark.django_db


def test_the_report_follows_attachment_5_1(client_as):
    """seed 003 附件5-1: cover with ticked 评价类型/评价方式/评价机构 and “××市财政局（制）”; 一 … 五 with the outline of
    附件5-2; the score table from the plan's indicators with 综合得分 and 评价等次."""
    evaluation = make_evaluation("营养改善计划评价", agency=True, may_export=True)
    KeyEvaluation.objects.filter(pk=evaluation.pk).update(stage=EvaluationStage.IN_PROGRESS)
    evaluation.refresh_from_db()
    report = with_report(evaluation, problems=0)
    report_actions.save_sections(user("agency"), report, report.version, {"suggestions": "完善供餐企业考核"})
    report_actions.add_problem(
        user("agency"),
        evaluation,
        {
            "category": "funds",
            "description": "营养餐资金未专账核算",
            "suggestion": "设立专账",
            "responsible": evaluation.evaluated_id,
            "amount": "186000",
        },
    )
    response = client_as("agency").get(f"/keyevals/{evaluation.pk}/report/draft.docx")
    assert response.status_code == 200
    doc = rules.document(response.content)
    text = rules.text_of(doc)
    region = evaluation.organiser.region.name
    rules.assert_title_plain(doc, f"{region}预算绩效评价报告")
    assert "评价类型：事前评价□  事中评价☑  事后评价□" in text
    assert "评价方式：部门（单位）绩效自评□  财政部门组织评价☑" in text
    assert "评价机构：中介机构☑  部门（单位）评价组□  财政评价组□" in text
    assert f"{report_docx.bureau_name(evaluation.organiser)}（制）" in text
    for heading in (
        "一、项目基本概况",
        "二、项目支出明细情况",
        "三、项目绩效情况",
        "四、评价人员",
        "五、评价报告文字部分（报告综述）",
        "（一）项目基本概况",
        "（二）项目绩效及评价结论",
        "（三）评价发现的问题",
        "（四）相关意见与建议",
        "（五）附件",
    ):
        assert heading in [p.text for p in doc.paragraphs], heading
    assert "1. （资金使用）营养餐资金未专账核算（责任单位：" in text and "涉及金额：186,000.00 元" in text
    assert "针对问题1：设立专账" in text and "完善供餐企业考核" in text
    rules.assert_dates_without_leading_zeros(text)
    facts, spending, scores, people = doc.tables[1:5]
    rules.assert_money(facts.rows[2].cells[1], "325.00")
    assert rules.repeats(spending.rows[0]) and spending.rows[-1].cells[0].text == "合计"
    rules.assert_money(spending.rows[-1].cells[1], "325.00")
    assert rules.repeats(scores.rows[0]) and rules.repeats(people.rows[0])
    rows = [[c.text for c in row.cells] for row in scores.rows]
    assert rows[1][:4] == ["决策", "项目立项", "立项依据充分性", "20"]
    assert rows[2][1] == "决策得分小计" and rows[2][3] == "20"
    assert rows[-2][-1] == "86.50" and rows[-1][-1] == "良"
    rules.assert_merged(scores, 0, range(1, 3))
    assert [c.text for c in people.rows[1].cells][:3] == ["李绩效", "组长", "预算绩效管理科"]
    assert "中介机构负责人（签字并盖章）" in text


def test_the_finance_report_ticks_the_finance_group():
    evaluation = make_evaluation("财政评价组")
    report = with_report(evaluation)
    text = rules.text_of(rules.document(report_docx.report_document(evaluation, report)))
    assert "评价机构：中介机构□  部门（单位）评价组□  财政评价组☑" in text and "事后评价☑" in text
    assert "中介机构负责人" not in text


def test_the_letter_follows_attachment_6():
    """seed 003 附件6: the reply date, 逾期未复，视为无异议, and the three opinions of 项目单位意见."""
    evaluation = make_evaluation("反馈函文书")
    with_report(evaluation)
    with clock.pinned(datetime.date(2026, 9, 1)):
        letter = send_letter(evaluation)
        letters.reply(user("edu_reviewer"), letter, objection=True, sections={"on_conclusion": "得分偏低"})
    doc = rules.document(report_docx.letter_document(letter))
    text = rules.text_of(doc)
    rules.assert_title_plain(doc, "绩效评价结果反馈意见函")
    assert "请于2026年9月11日前提出书面意见或说明，逾期未复，视为无异议。" in text
    assert f"{evaluation.evaluated.name}：" in text
    cells = [row.cells[0].text for row in doc.tables[0].rows]
    assert cells == ["1. 对报告中“评价结论”的意见", "2. 对报告中“建议”的意见", "3. 其它意见或建议"]
    assert "得分偏低" in doc.tables[0].rows[0].cells[1].text
    assert all(rules.cant_split(row) for row in doc.tables[0].rows)
    assert "反馈结论：有异议" in text
    rules.assert_dates_without_leading_zeros(text)
