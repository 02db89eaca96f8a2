"""The pages of finance's spot re-check (seed 001 第二十一条 抽查复核): the draw and its Chinese field messages, the sample
with its seed, assignments and discrepancy report, the re-check page blind to the unit's scores until submitted, the
live score, the list, the inflation chart, and who reaches what (perf, desk_edu, desk_social, county_perf, edu_reviewer,
edu_preparer, agency, auditadmin)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from core.testing import client_for
from evaluations import recheck_actions
from evaluations.choices import RecheckStatus
from evaluations.models import RecheckItem, RecheckSample
from evaluations.tests.self_helpers import fill_and_submit, form_of, funded_subject, open_round
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db

DRAW = {
    "method": "stratified",
    "share": "20",
    "minimum": "2",
    "seed": "2025",
    "threshold_points": "10",
    "grade_differs": "on",
    "flag_gap": "50",
}


@pytest.fixture
def evaluation_round():
    subjects = [
        funded_subject(f"页面复核项目{i}", arranged=f"{(i + 1) * 100000}.00", allocated=f"{(i + 1) * 100000}.00")
        for i in range(3)
    ]
    funded_subject("页面未报送项目")
    evaluation_round = open_round()
    for s in subjects:
        fill_and_submit(form_of(evaluation_round, s))
    return evaluation_round


@pytest.fixture
def sample(evaluation_round):
    return recheck_actions.draw_sample(user("perf"), evaluation_round, seed=2025, minimum=2)


def _rows(item, overrides=None):
    data = {}
    for n, own in enumerate(item.indicators.select_related("row").order_by("row__order", "pk")):
        row = own.row
        data[f"rows-{n}-row_id"] = str(row.pk)
        data[f"rows-{n}-applicable"] = "on"
        if row.level1 == "satisfaction":
            data[f"rows-{n}-surveyed"] = "on"
        if row.kind == "qualitative":
            data[f"rows-{n}-band"], data[f"rows-{n}-share"] = "partly", "70"
        else:
            data[f"rows-{n}-actual"] = (overrides or {}).get(row.name, row.target_value)
    data["rows-TOTAL_FORMS"] = data["rows-INITIAL_FORMS"] = str(item.indicators.count())
    return data


# ------------------------------------------------------------------------------------------------ the draw


def test_perf_draws_from_the_round_and_the_seed_is_shown(client, evaluation_round):
    perf = client_for("perf")
    url = reverse("evaluations:sample_new", args=[evaluation_round.pk])
    page = perf.get(url)
    assert page.status_code == 200 and "抽查比例" in page.content.decode()
    response = perf.post(url, DRAW)
    sample = RecheckSample.objects.get(round=evaluation_round)
    assert response.status_code == 302 and response["Location"] == sample.get_absolute_url()
    assert sample.seed == 2025 and sample.share == Decimal("0.2000") and sample.flag_gap == Decimal("0.5000")
    body = perf.get(sample.get_absolute_url()).content.decode()
    assert "2025" in body and "金额最大" in body and "复核提交后显示" in body


def test_an_empty_seed_is_drawn_at_random_and_recorded(evaluation_round):
    client_for("perf").post(reverse("evaluations:sample_new", args=[evaluation_round.pk]), {**DRAW, "seed": ""})
    sample = RecheckSample.objects.get(round=evaluation_round)
    assert AuditEntry.objects.filter(object_type="evaluations.rechecksample", changes__icontains=str(sample.seed))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("share", "0", "抽查比例须大于 0、不超过 100"),
        ("share", "100.5", "抽查比例须大于 0、不超过 100"),
        ("share", "abc", "抽查比例须为数字"),
        ("minimum", "0", "每部门至少抽查的个数须为 1 至 32767 的整数"),
        ("seed", "12.5", "随机种子须为不小于 0 的整数"),
        ("seed", "abc", "随机种子须为不小于 0 的整数"),
        ("seed", "-3", "随机种子须为不小于 0 的整数"),
        ("seed", "99999999999999999999", "随机种子不能大于"),
        ("threshold_points", "0", "差异分值须大于 0"),
        ("flag_gap", "0", "未复核提示线须大于 0"),
    ],
)
def test_bad_draw_input_names_the_field_and_draws_nothing(evaluation_round, field, value, message):
    response = client_for("perf").post(
        reverse("evaluations:sample_new", args=[evaluation_round.pk]), {**DRAW, field: value}
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert not RecheckSample.objects.filter(round=evaluation_round).exists()


def test_a_second_draw_is_refused(sample):
    url = reverse("evaluations:sample_new", args=[sample.round_id])
    response = client_for("perf").post(url, {**DRAW, "seed": "7"})
    assert response.status_code == 200 and "本轮自评已经抽样" in response.content.decode()
    assert RecheckSample.objects.get(round_id=sample.round_id).seed == 2025


@pytest.mark.parametrize("username", ["desk_edu", "county_perf", "edu_reviewer", "edu_preparer", "agency", "leader"])
def test_only_the_organising_performance_section_reaches_the_draw(evaluation_round, username):
    url = reverse("evaluations:sample_new", args=[evaluation_round.pk])
    client = client_for(username)
    assert client.get(url).status_code == 404
    assert client.post(url, DRAW).status_code == 404
    assert not RecheckSample.objects.filter(round=evaluation_round).exists()


# ------------------------------------------------------------------------------------------------ the sample


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("perf", 200),
        ("county_perf", 404),
        ("edu_reviewer", 404),
        ("edu_preparer", 404),
        ("agency", 404),
        ("auditadmin", 404),
    ],
)
def test_who_reads_the_sample_and_its_notice(sample, username, status):
    client = client_for(username)
    assert client.get(reverse("evaluations:sample", args=[sample.pk])).status_code == status
    assert client.get(reverse("evaluations:sample_notice", args=[sample.pk])).status_code == status


def test_unknown_ids_are_404(sample):
    perf = client_for("perf")
    assert perf.get(reverse("evaluations:sample", args=[999999])).status_code == 404
    assert perf.get(reverse("evaluations:recheck", args=[999999])).status_code == 404
    assert perf.get(reverse("evaluations:sample_new", args=[999999])).status_code == 404


def test_assigning_an_agency_lets_it_reach_only_that_recheck(sample):
    first, second = list(sample.items.order_by("pk"))
    agency = user("agency").organisation
    perf = client_for("perf")
    url = reverse("evaluations:sample_assign", args=[sample.pk, first.pk])
    response = perf.post(url, {f"item{first.pk}-agency": str(agency.pk)})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.agency_id == agency.pk
    assert agency.name in perf.get(sample.get_absolute_url()).content.decode()
    agency_client = client_for("agency")
    assert agency_client.get(reverse("evaluations:recheck", args=[first.pk])).status_code == 200
    assert agency_client.get(reverse("evaluations:recheck", args=[second.pk])).status_code == 404
    listed = agency_client.get(reverse("evaluations:recheck_list")).content.decode()
    assert first.evaluation.subject.name in listed and second.evaluation.subject.name not in listed


def test_assigning_both_or_neither_is_refused_in_chinese(sample):
    item = sample.items.first()
    perf = client_for("perf")
    url = reverse("evaluations:sample_assign", args=[sample.pk, item.pk])
    response = perf.post(url, {}, follow=True)
    assert "请指定一名复核人员或一家受托第三方机构" in response.content.decode()
    response = perf.post(url, {f"item{item.pk}-rechecker": str(user("edu_reviewer").pk)}, follow=True)
    assert "所选复核人员不是本级财政部门的复核人员" in response.content.decode()
    item.refresh_from_db()
    assert item.rechecker_id is None and item.agency_id is None


def test_only_perf_assigns(sample):
    item = sample.items.first()
    url = reverse("evaluations:sample_assign", args=[sample.pk, item.pk])
    for username in ("desk_edu", "edu_reviewer", "agency"):
        assert client_for(username).post(url, {f"item{item.pk}-rechecker": str(user("perf").pk)}).status_code == 404


# ------------------------------------------------------------------------------------------------ the re-check


def test_the_recheck_page_is_blind_until_submitted(sample):
    item = sample.items.order_by("pk").first()
    RecheckItem.objects.filter(pk=item.pk).update(self_score=Decimal("87.65"), self_grade="良")
    form = item.evaluation
    perf = client_for("perf")
    url = reverse("evaluations:recheck", args=[item.pk])
    body = perf.get(url).content.decode()
    assert "87.65" not in body and "独立复核" in body
    assert form.subject.name in body and "见说明" in body  # the unit's data and its deviation reason
    assert f"{form.budget:,.2f}" in body
    assert "自评得分" not in body.split('id="recheck-rows"')[1].split("</thead>")[0]
    # the sample page hides it as well
    assert "87.65" not in perf.get(sample.get_absolute_url()).content.decode()

    data = {**_rows(item, {"维修校舍面积": "1500"}), "version": str(item.version), "opinion": "经核实，面积偏小"}
    response = perf.post(url, {**data, "do": "submit"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == RecheckStatus.SUBMITTED and item.opinion == "经核实，面积偏小"
    body = perf.get(url).content.decode()
    assert "87.65" in body and 'id="side-by-side"' in body and str(item.total_score) in body
    assert str(item.difference) in body


def test_save_keeps_the_values_and_a_stale_version_gets_the_chinese_message(sample):
    item = sample.items.order_by("pk").first()
    perf = client_for("perf")
    url = reverse("evaluations:recheck", args=[item.pk])
    data = {**_rows(item, {"维修校舍面积": "2000"}), "version": str(item.version), "opinion": "初稿", "do": "save"}
    assert perf.post(url, data).status_code == 302
    own = item.indicators.get(row__name="维修校舍面积")
    assert own.actual == "2000"
    stale = perf.post(url, {**data, "opinion": "另一稿"})
    assert stale.status_code == 200 and "该文档已被他人处理" in stale.content.decode()
    item.refresh_from_db()
    assert item.opinion == "初稿"


def test_a_bad_actual_names_the_row_and_changes_nothing(sample):
    item = sample.items.order_by("pk").first()
    perf = client_for("perf")
    data = {**_rows(item, {"维修校舍面积": "很多"}), "version": str(item.version), "opinion": "x", "do": "save"}
    response = perf.post(reverse("evaluations:recheck", args=[item.pk]), data)
    assert response.status_code == 200 and "“维修校舍面积”的“全年实际值”必须是数字" in response.content.decode()
    assert item.indicators.get(row__name="维修校舍面积").actual == ""


def test_submitting_without_an_opinion_is_refused(sample):
    item = sample.items.order_by("pk").first()
    data = {**_rows(item), "version": str(item.version), "opinion": "", "do": "submit"}
    response = client_for("perf").post(reverse("evaluations:recheck", args=[item.pk]), data)
    assert response.status_code == 200 and "请填写复核意见" in response.content.decode()
    item.refresh_from_db()
    assert item.status == RecheckStatus.PENDING


def test_live_score_as_typed_saves_nothing(sample):
    item = sample.items.order_by("pk").first()
    perf = client_for("perf")
    url = reverse("evaluations:recheck_score", args=[item.pk])
    full = perf.post(url, _rows(item)).content.decode()
    lower = perf.post(url, _rows(item, {"维修校舍面积": "1500"})).content.decode()
    assert 'id="live-total"' in full and full != lower
    assert "必须是数字" in perf.post(url, _rows(item, {"维修校舍面积": "x"})).content.decode()
    item.refresh_from_db()
    assert item.version == 1 and item.total_score is None
    assert client_for("edu_preparer").post(url, _rows(item)).status_code == 404


@pytest.mark.parametrize(
    "username", ["desk_social", "county_perf", "edu_reviewer", "edu_preparer", "agency", "auditadmin"]
)
def test_outsiders_get_404_on_the_recheck(sample, username):
    item = sample.items.first()
    client = client_for(username)
    assert client.get(reverse("evaluations:recheck", args=[item.pk])).status_code == 404
    assert client.post(reverse("evaluations:recheck", args=[item.pk]), {"do": "save"}).status_code == 404


def test_the_list_is_blind_and_gated(sample):
    item = sample.items.order_by("pk").first()
    RecheckItem.objects.filter(pk=item.pk).update(self_score=Decimal("87.65"))
    perf = client_for("perf")
    body = perf.get(reverse("evaluations:recheck_list")).content.decode()
    assert item.evaluation.subject.name in body and "87.65" not in body and "复核提交后显示" in body
    assert (
        item.evaluation.subject.name
        not in client_for("county_perf").get(reverse("evaluations:recheck_list")).content.decode()
    )


def test_the_inflation_page_charts_submitted_rechecks(sample):
    for item in sample.items.all():
        RecheckItem.objects.filter(pk=item.pk).update(
            status=RecheckStatus.SUBMITTED, self_score=Decimal("95"), total_score=Decimal("80"), grade="良"
        )
    body = client_for("perf").get(reverse("evaluations:inflation")).content.decode()
    assert 'data-chart="inflation"' in body and "15.00" in body and "vendor/echarts/echarts.min.js" in body
    assert "15.00" not in client_for("county_perf").get(reverse("evaluations:inflation")).content.decode()
    assert client_for("auditadmin").get(reverse("evaluations:inflation")).status_code == 404


def test_the_demo_has_a_drawn_sample_with_a_submitted_recheck():
    """evaluations/demo_recheck.py: perf's draw of the city's closed year, seed 2025; the largest subject re-checked
    and submitted by perf (lower than the unit's score), shown beside the unit's; the others still blind."""
    from evaluations.demo import closed_year
    from evaluations.self_actions import round_organisation

    perf_section = round_organisation(user("perf"))
    sample = RecheckSample.objects.get(round__fiscal_year=closed_year(), round__organisation=perf_section)
    assert sample.seed == 2025 and sample.items.count() >= 2
    submitted = sample.items.get(status=RecheckStatus.SUBMITTED)
    assert submitted.total_score < submitted.self_score
    body = client_for("perf").get(sample.get_absolute_url()).content.decode()
    assert str(submitted.self_score) in body and "复核提交后显示" in body
    assert client_for("edu_preparer").get(sample.get_absolute_url()).status_code == 404
