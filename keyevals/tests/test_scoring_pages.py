"""The scoring pages (issue 14 §3 "Scoring"; seed 003 第三十九条): the scorer's own sheet, blind until submitted
(pages and the evaluation's panel), the organiser's summary with the trimmed mean, flags and agreement, closing,
the Excel export (inert cells), 404 for anyone not a scorer or out of reach, and query counts that do not grow with
the number of scorers or indicators."""

import io
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from core.testing import client_for, count_queries
from keyevals import scoring_actions
from keyevals.models import KeyStatus, MemberRole, SheetStatus
from keyevals.tests.scoring_helpers import add_scorer, assign, experts, make_evaluation, score, sheet_of, user

pytestmark = pytest.mark.django_db

SECRET_COMMENT = "甲专家独有的扣分理由"
SECRET_POINTS = "13.37"
FORMULA = '=HYPERLINK("http://x")'


def sheet_url(evaluation):
    return reverse("keyevals:scoring_sheet", args=[evaluation.pk])


def summary_url(evaluation):
    return reverse("keyevals:scoring_summary", args=[evaluation.pk])


def panel_html(evaluation, person) -> str:
    request = RequestFactory().get("/")
    request.user = person
    request.session = {}
    return render_to_string("keyevals/_scoring_panel.html", {"evaluation": evaluation}, request=request)


@pytest.fixture
def blind_case():
    """Expert A has submitted distinctive points and a comment; expert B has not submitted."""
    evaluation = make_evaluation(title="盲评测试评价")
    a, b = experts(evaluation, 2)
    score(evaluation, a, [SECRET_POINTS, "19", "28", "30"], comment=SECRET_COMMENT)
    sheet_of(evaluation, b)
    return evaluation, a, b


# ---------------------------------------------------------------------------------------------- the sheet


def test_the_scorer_fills_and_submits_the_own_sheet(blind_case):
    evaluation, _a, b = blind_case
    client = client_for(b)
    page = client.get(sheet_url(evaluation))
    assert page.status_code == 200
    text = page.content.decode()
    assert "立项依据充分性" in text and "评分标准" in text and "提交评分表" in text
    sheet = scoring_actions.own_sheet(evaluation, b)
    ids = [i.pk for i in evaluation.indicators.order_by("order")]
    data = {"version": sheet.version, "do": "save"}
    data |= {f"points-{i}": p for i, p in zip(ids, ["20", "18.5", "30", "29"], strict=True)}
    data |= {f"comment-{ids[1]}": "抽查凭证有 1 处不合规", f"comment-{ids[3]}": "问卷满意度 96%"}
    saved = client.post(sheet_url(evaluation), data, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and "评分已保存" in saved.content.decode()
    sheet.refresh_from_db()
    assert sheet.version == 2
    data |= {"version": sheet.version, "do": "submit"}
    submitted = client.post(sheet_url(evaluation), data, HTTP_HX_REQUEST="true")
    assert submitted.status_code == 204 and submitted["HX-Redirect"] == sheet_url(evaluation)
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SUBMITTED
    after = client.get(sheet_url(evaluation)).content.decode()
    assert "评分表已提交，不能再修改" in after and 'name="points-' not in after


def test_bad_input_on_the_page_names_the_indicator_and_keeps_what_was_typed(blind_case):
    evaluation, _a, b = blind_case
    client = client_for(b)
    sheet = scoring_actions.own_sheet(evaluation, b)
    first = evaluation.indicators.order_by("order").first()
    response = client.post(sheet_url(evaluation), {"version": sheet.version, "do": "save", f"points-{first.pk}": "25"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "第 1 项指标“立项依据充分性”：得分不能超过该指标分值 20 分，现为 25" in text
    assert 'value="25"' in text
    sheet.refresh_from_db()
    assert sheet.version == 1
    missing = client.post(sheet_url(evaluation), {"do": "save"})
    assert "页面版本号缺失" in missing.content.decode()


def test_submitting_twice_on_the_page_says_already_submitted(blind_case):
    evaluation, a, _b = blind_case
    sheet = scoring_actions.own_sheet(evaluation, a)
    response = client_for(a).post(sheet_url(evaluation), {"version": sheet.version, "do": "submit"})
    assert response.status_code == 200 and "评分表已提交，不能重复提交或再修改" in response.content.decode()


def test_a_non_member_and_an_outsider_get_404():
    """issue 14 "an agency user guessing another evaluation's URL (404)": no sheet without membership, no page
    without reach."""
    evaluation = make_evaluation()
    experts(evaluation, 1)
    assert client_for("leader").get(sheet_url(evaluation)).status_code == 404  # reaches it, not a scorer
    for outsider in ("agency", "expert", "county_perf", "edu_reviewer"):
        client = client_for(outsider)
        assert client.get(sheet_url(evaluation)).status_code == 404, outsider
        assert client.get(summary_url(evaluation)).status_code == 404, outsider
    assert client_for("perf").get(summary_url(evaluation)).status_code == 200


def test_the_demo_expert_reaches_the_sheet_through_the_personal_assignment():
    evaluation = make_evaluation()
    expert = user("expert")
    add_scorer(evaluation, expert)
    assert client_for(expert).get(sheet_url(evaluation)).status_code == 200
    other = make_evaluation("未指派的评价")
    assert client_for(expert).get(sheet_url(other)).status_code == 404


# ---------------------------------------------------------------------------------------------- blindness


def test_a_scorer_who_has_not_submitted_sees_nothing_of_the_others(blind_case):
    evaluation, _a, b = blind_case
    client = client_for(b)
    for url in (sheet_url(evaluation), summary_url(evaluation)):
        text = client.get(url).content.decode()
        assert SECRET_COMMENT not in text and SECRET_POINTS not in text, url
    summary = client.get(summary_url(evaluation)).content.decode()
    assert "提交本人评分表之前，看不到其他评分人的分数" in summary
    assert "1 / 2" in summary  # counts of who has submitted may show
    assert "专家1" not in summary  # but not who
    panel = panel_html(evaluation, b)
    assert SECRET_POINTS not in panel and "已提交 1 / 2 人" in panel and "填写评分表" in panel


def test_after_submitting_a_scorer_sees_the_aggregate_but_not_the_others_points_until_closed(blind_case):
    evaluation, _a, b = blind_case
    score(evaluation, b, ["20", "20", "30", "30"], comment="b 的说明")
    text = client_for(b).get(summary_url(evaluation)).content.decode()
    assert "指标得分汇总" in text
    assert "16.69" in text  # (13.37 + 20) / 2 → 16.685 → 16.69 half-up
    assert SECRET_COMMENT not in text and SECRET_POINTS not in text


def test_the_organiser_sees_who_submitted_and_the_aggregate_only_once_closed(blind_case):
    evaluation, _a, b = blind_case
    perf = client_for("perf")
    text = perf.get(summary_url(evaluation)).content.decode()
    assert "专家1" in text and "专家2" in text and "已提交" in text  # progress by name
    assert SECRET_POINTS not in text and SECRET_COMMENT not in text and "指标得分汇总" not in text
    assert "评分人尚未全部提交评分，且评分截止日期未到" in text
    score(evaluation, b, ["20", "20", "30", "30"], comment="b 的说明")
    text = perf.get(summary_url(evaluation)).content.decode()
    assert 'id="close-scoring"' in text
    evaluation.refresh_from_db()
    closed = perf.post(
        reverse("keyevals:scoring_close", args=[evaluation.pk]), {"version": evaluation.version}, follow=True
    )
    text = closed.content.decode()
    assert "评分已结束并汇总：评价得分 95.19 分，评价等级“优”" in text
    assert SECRET_POINTS in text and SECRET_COMMENT in text and "评分人一致性" in text
    evaluation.refresh_from_db()
    assert evaluation.status == KeyStatus.REPORTING and evaluation.total_score == Decimal("95.19")
    assert "95.19 分 · 优" in panel_html(evaluation, user("perf"))
    # and now the scorers see each other's points too
    assert SECRET_POINTS in client_for(b).get(summary_url(evaluation)).content.decode()


def test_closing_with_a_stale_version_or_by_someone_else(blind_case):
    evaluation, a, b = blind_case
    score(evaluation, b, ["20", "20", "30", "30"])
    url = reverse("keyevals:scoring_close", args=[evaluation.pk])
    assert client_for(a).post(url, {"version": evaluation.version}).status_code == 404  # a scorer is not the organiser
    stale = client_for("perf").post(url, {"version": evaluation.version + 5}, follow=True)
    assert "已被他人修改" in stale.content.decode() or "已变化" in stale.content.decode()
    evaluation.refresh_from_db()
    assert evaluation.status == KeyStatus.SCORING


# ---------------------------------------------------------------------------------------------- the trimmed mean and flags


@pytest.fixture
def five_scorers():
    evaluation = make_evaluation(title="五人评分")
    people = experts(evaluation, 5)
    sheets = [
        ["18", "16", "27", "26"],
        ["19", "18", "28", "27"],
        ["20", "17", "25", "25"],
        ["10", "18", "26", "28"],  # 决策: 20 − 10 = 10 > 30 % of 20
        ["17", "19", "29", "30"],
    ]
    for n, (person, points) in enumerate(zip(people, sheets, strict=True)):
        # the first scorer's comment is what a spreadsheet would read as a formula: it must stay text in the export
        score(evaluation, person, points, comment=FORMULA if n == 0 else "扣分理由：部分资料不全")
    evaluation.refresh_from_db()
    return scoring_actions.close_scoring(user("perf"), evaluation, evaluation.version)


def test_the_summary_shows_the_trimmed_mean_the_flag_and_agreement(five_scorers):
    evaluation = five_scorers
    text = client_for("perf").get(summary_url(evaluation)).content.decode()
    assert "5 人评分，去掉最高分 20.00 和最低分 10.00 后，3 个评分平均为 18.00 分" in text
    assert "1 项指标评分分歧较大" in text and "评分分歧较大，请评价组核实" in text
    assert "指标一致度：评分与全体评分中位数相差不超过该指标分值 10% 的评分人所占比例" in text
    assert "评价等级“良”" in text and "89.67" in text
    assert "text-decoration-line-through" in text  # the dropped scores are struck through


def test_the_export_is_the_aggregate_with_inert_cells(five_scorers):
    evaluation = five_scorers
    response = client_for("perf").get(reverse("keyevals:scoring_export", args=[evaluation.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.getvalue()))
    assert book.sheetnames == ["指标得分汇总", "评分人一致性", "评分说明"]
    rows = list(book["指标得分汇总"].iter_rows(values_only=True))
    assert rows[0][:5] == ("序号", "一级指标", "二级指标", "三级指标", "分值")
    total_row = next(r for r in rows if r[1] == "合计")
    assert Decimal(str(total_row[5 + 5])) == Decimal("89.67")
    comments = book["评分说明"]
    cells = [c for row in comments.iter_rows(min_row=2) for c in row if c.value == FORMULA]
    assert cells and all(c.data_type == "s" for c in cells)


def test_an_agency_exports_only_with_finances_authorisation(five_scorers):
    """seed 004 三(九)2: an assignee exports an evaluation's data only with finance's authorisation."""
    evaluation = five_scorers
    agency = user("agency")
    url = reverse("keyevals:scoring_export", args=[evaluation.pk])
    assignment = assign(evaluation, organisation=agency.organisation)
    client = client_for(agency)
    assert client.get(summary_url(evaluation)).status_code == 200
    assert client.get(url).status_code == 404
    assignment.may_export = True
    assignment.save()
    assert client.get(url).status_code == 200


# ---------------------------------------------------------------------------------------------- query counts


def test_query_counts_do_not_grow_with_scorers_or_indicators():
    small = make_evaluation(title="两人评分")
    for person in experts(small, 2, prefix="qa"):
        score(small, person, ["18", "18", "28", "28"])
    many = make_evaluation(
        title="六人评分",
        indicators=[("决策", "", f"指标{n}", "12.5") for n in range(8)],
    )
    for person in experts(many, 6, prefix="qb"):
        score(many, person, ["12"] * 8)
    for evaluation in (small, many):
        evaluation.refresh_from_db()
        scoring_actions.close_scoring(user("perf"), evaluation, evaluation.version)
    perf = client_for("perf")
    counts = {e.title: count_queries(perf, summary_url(e)) for e in (small, many)}
    assert counts["两人评分"][0] == counts["六人评分"][0] == 200
    assert counts["两人评分"][1] == counts["六人评分"][1], counts
    sheets = {}
    for evaluation in (small, many):
        scorer = evaluation.members.first().user
        sheets[evaluation.title] = count_queries(client_for(scorer), sheet_url(evaluation))
    assert sheets["两人评分"][1] == sheets["六人评分"][1], sheets
    assert counts["六人评分"][1] <= 40 and sheets["六人评分"][1] <= 30, (counts, sheets)


def test_the_panel_before_scoring_and_for_a_reader_who_does_not_score():
    evaluation = make_evaluation(status=KeyStatus.FIELDWORK)
    assert "评价进入评分阶段后" in panel_html(evaluation, user("perf"))
    evaluation = make_evaluation()
    experts(evaluation, 1)
    add_scorer(evaluation, user("perf"), role=MemberRole.LEADER)
    html = panel_html(evaluation, user("leader"))
    assert "已提交 0 / 2 人" in html and "填写评分表" not in html
