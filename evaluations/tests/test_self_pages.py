"""The self-evaluation pages: rounds (open, progress, counts, who is left off, transfer list, rerun, close) and forms
(list, page, edit, live score, review), each through the gate: a unit sees its own forms only, a department its
units' without editing them, out-of-reach ids give 404, bad input a Chinese message and nothing changed."""

import datetime
import re

import pytest
from django.urls import reverse

from evaluations import self_actions
from evaluations.choices import RoundStatus
from evaluations.models import SelfEvaluation, SelfEvaluationRound
from evaluations.tests.self_helpers import YEAR, form_of, funded_subject, open_round
from organisations.models import Organisation
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db

HOSPITAL = "示范市人民医院"


def _two_forms():
    """A form of 第一中学 (edu) and one of 人民医院 (health) in one round of the helpers' year."""
    school = funded_subject()
    hospital = funded_subject("测试医院设备购置项目", organisation=Organisation.objects.get(name=HOSPITAL))
    evaluation_round = open_round()
    return evaluation_round, form_of(evaluation_round, school), form_of(evaluation_round, hospital)


def _management(rows, prefix="rows"):
    return {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(len(rows))}


def _row_post(form, values: dict | None = None) -> dict:
    """The edit page's formset as posted: each row's stored values, with ``values`` ({name: {field: value}})."""
    rows = list(form.indicators.all())
    data = _management(rows)
    for i, row in enumerate(rows):
        fields = {
            "row_id": row.pk,
            "actual": row.actual,
            "band": row.band,
            "share": "" if row.share is None else row.share,
            "deviation_reason": row.deviation_reason,
            "improvement": row.improvement,
            "applicable": "on" if row.applicable else "",
            "surveyed": "on" if row.surveyed else "",
        }
        fields.update((values or {}).get(row.name, {}))
        for key, value in fields.items():
            if value not in ("", None):
                data[f"rows-{i}-{key}"] = value
    return data


MET = {
    "维修校舍面积": {"actual": "3000"},
    "工程验收合格率": {"actual": "100"},
    "按期完工率": {"actual": "95"},
    "维修改造成本": {"actual": "45"},
    "消除校舍安全隐患": {"band": "achieved", "share": "100"},
    "师生满意度": {"actual": "92"},
}


# ---------------------------------------------------------------- rounds


def test_the_performance_section_opens_a_round_from_the_page(
    client_as, immediate_tasks, django_capture_on_commit_callbacks
):
    funded_subject()
    client = client_as("perf")
    page = client.get(reverse("evaluations:round_create"))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'value="2025"' in text and "2026-03-31" in text  # the closed year and its proposed due date
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluations:round_create"),
            {
                "fiscal_year": str(YEAR),
                "due_date": f"{YEAR + 1}-03-31",
                "name": "测试年度绩效自评",
                "notice": "按时报送",
            },
        )
    evaluation_round = SelfEvaluationRound.objects.get(fiscal_year=YEAR)
    assert response.status_code == 302 and response["Location"] == evaluation_round.get_absolute_url()
    assert evaluation_round.status == RoundStatus.OPEN and evaluation_round.forms_created > 0
    listing = client.get(reverse("evaluations:rounds"))
    assert "测试年度绩效自评" in listing.content.decode()


@pytest.mark.parametrize(
    ("due", "message"),
    [(f"{YEAR}-12-31", "报送截止日期应在评价年度结束之后（次年）"), ("明年三月", "报送截止日期格式应为 2026-03-31")],
)
def test_a_bad_due_date_is_refused_naming_the_field(client_as, due, message):
    response = client_as("perf").post(reverse("evaluations:round_create"), {"fiscal_year": str(YEAR), "due_date": due})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SelfEvaluationRound.objects.filter(fiscal_year=YEAR).exists()


def test_a_year_not_yet_over_is_refused_on_the_form(client_as):
    response = client_as("perf").post(
        reverse("evaluations:round_create"), {"fiscal_year": "2026", "due_date": "2027-03-31"}
    )
    assert "2026 年度尚未结束" in response.content.decode()
    assert not SelfEvaluationRound.objects.filter(fiscal_year=2026).exists()


@pytest.mark.parametrize("username", ["edu_preparer", "edu_reviewer", "desk_edu"])
def test_only_the_performance_section_may_open_a_round(client_as, username):
    client = client_as(username)
    assert client.get(reverse("evaluations:round_create")).status_code == 404
    assert client.post(reverse("evaluations:round_create"), {"fiscal_year": str(YEAR)}).status_code == 404
    assert not SelfEvaluationRound.objects.filter(fiscal_year=YEAR).exists()


def test_the_round_page_shows_the_progress_while_the_forms_are_created(client_as):
    funded_subject()
    evaluation_round = self_actions.open_round(user("perf"), fiscal_year=YEAR, due_date=datetime.date(YEAR + 1, 3, 31))
    SelfEvaluationRound.objects.filter(pk=evaluation_round.pk).update(forms_expected=40, forms_created=10)
    client = client_as("perf")
    page = client.get(evaluation_round.get_absolute_url()).content.decode()
    assert "生成中" in page and "10 / 40（25%）" in page and 'hx-trigger="every 2s"' in page
    progress = client.get(reverse("evaluations:round_progress", args=[evaluation_round.pk]) + "?opening=1")
    assert "10 / 40" in progress.content.decode()
    SelfEvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=RoundStatus.OPEN, forms_created=40)
    done = client.get(reverse("evaluations:round_progress", args=[evaluation_round.pk]) + "?opening=1")
    assert done["HX-Refresh"] == "true"  # the page reloads to show the counts


def test_a_failure_is_shown_with_the_rerun_button(client_as, immediate_tasks, django_capture_on_commit_callbacks):
    funded_subject()
    evaluation_round = open_round()
    SelfEvaluationRound.objects.filter(pk=evaluation_round.pk).update(failure="OperationalError: 连接中断")
    client = client_as("perf")
    page = client.get(evaluation_round.get_absolute_url()).content.decode()
    assert "连接中断" in page and 'id="rerun"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("evaluations:round_rerun", args=[evaluation_round.pk]))
    assert response.status_code == 302
    assert SelfEvaluationRound.objects.get(pk=evaluation_round.pk).failure == ""


def test_the_round_page_counts_forms_and_names_who_is_left_off(client_as):
    funded_subject()
    unlisted = funded_subject("清单外转移支付", kind="transfer_project")
    evaluation_round = open_round()
    page = client_as("perf").get(evaluation_round.get_absolute_url()).content.decode()
    total = SelfEvaluation.objects.filter(round=evaluation_round).count()
    assert re.search(rf'id="count-total">{total}<', page)
    assert f'data-subject="{unlisted.pk}"' in page and "清单外转移支付" in page
    assert "未列入主管部门与财政商定的自评清单" in page
    assert unlisted.get_absolute_url() in page


def test_a_region_below_is_counted_not_listed(client_as):
    funded_subject()
    evaluation_round = open_round()
    SelfEvaluationRound.objects.filter(pk=evaluation_round.pk).update(
        left_out=[{"region": 1, "region_name": "示范市中区", "count": 1234, "reason": "other_region"}]
    )
    page = client_as("perf").get(evaluation_round.get_absolute_url()).content.decode()
    assert "示范市中区：1,234 个项目由该区划财政部门组织" in page


def test_the_transfer_list_is_saved_and_its_forms_created(
    client_as, immediate_tasks, django_capture_on_commit_callbacks
):
    funded_subject()
    transfer = funded_subject("补列转移支付", kind="transfer_project")
    evaluation_round = open_round()
    client = client_as("perf")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("evaluations:round_transfers", args=[evaluation_round.pk]), {"transfer_subjects": [transfer.pk]}
        )
    assert response.status_code == 302
    assert list(evaluation_round.transfer_subjects.all()) == [transfer]
    assert SelfEvaluation.objects.filter(round=evaluation_round, subject=transfer).exists()


def test_only_the_organiser_manages_a_round_others_get_404(client_as):
    funded_subject()
    evaluation_round = open_round()
    for username in ("edu_preparer", "edu_reviewer", "desk_edu", "county_perf"):
        client = client_as(username)
        for name in ("round_rerun", "round_close", "round_transfers"):
            assert client.post(reverse(f"evaluations:{name}", args=[evaluation_round.pk])).status_code == 404
    assert SelfEvaluationRound.objects.get(pk=evaluation_round.pk).status == RoundStatus.OPEN
    assert client_as("edu_preparer").get(evaluation_round.get_absolute_url()).status_code == 404
    assert client_as("perf").post(reverse("evaluations:round_close", args=[10**9])).status_code == 404


def test_the_organiser_closes_the_round(client_as):
    funded_subject()
    evaluation_round = open_round()
    client = client_as("perf")
    assert 'id="close-round"' in client.get(evaluation_round.get_absolute_url()).content.decode()
    client.post(reverse("evaluations:round_close", args=[evaluation_round.pk]))
    closed = SelfEvaluationRound.objects.get(pk=evaluation_round.pk)
    assert closed.status == RoundStatus.CLOSED and closed.closed_at is not None


# ---------------------------------------------------------------- forms


def test_a_unit_sees_only_its_own_forms(client_as):
    evaluation_round, school, hospital = _two_forms()
    client = client_as("edu_preparer")
    listing = client.get(reverse("evaluations:forms") + f"?round={evaluation_round.pk}").content.decode()
    assert school.subject.name in listing and hospital.subject.name not in listing
    assert client.get(school.get_absolute_url()).status_code == 200
    for name in ("form", "form_edit"):
        assert client.get(reverse(f"evaluations:{name}", args=[hospital.pk])).status_code == 404
    assert client.post(reverse("evaluations:form_score", args=[hospital.pk]), _row_post(hospital)).status_code == 404
    transition = client.post(
        reverse("evaluations:form_transition", args=[hospital.pk]), {"action": "submit", "version": hospital.version}
    )
    assert transition.status_code == 404
    health = client_as("health_preparer")
    assert health.get(hospital.get_absolute_url()).status_code == 200
    assert health.get(school.get_absolute_url()).status_code == 404


def test_the_list_shows_amounts_with_separators_and_filters(client_as):
    evaluation_round, school, hospital = _two_forms()
    client = client_as("perf")
    page = client.get(reverse("evaluations:forms") + f"?round={evaluation_round.pk}&q=测试").content.decode()
    assert "500,000.00" in page and "450,000.00" in page and "90.00%" in page
    assert school.subject.name in page and hospital.subject.name in page
    department = school.department_id
    only = client.get(reverse("evaluations:forms") + f"?round={evaluation_round.pk}&department={department}")
    assert hospital.subject.name not in only.content.decode()
    late = client.get(reverse("evaluations:forms") + f"?round={evaluation_round.pk}&late=true")
    assert late.status_code == 200
    assert client.get(reverse("evaluations:forms") + "?colour=red").status_code == 400  # unknown filter


def test_the_list_exports_xlsx(client_as):
    evaluation_round, _, _ = _two_forms()
    response = client_as("perf").get(reverse("evaluations:forms") + f"?round={evaluation_round.pk}&export=xlsx")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:2] == b"PK"


def test_the_department_sees_its_units_forms_but_cannot_edit(client_as):
    _, school, hospital = _two_forms()
    client = client_as("edu_reviewer")
    page = client.get(school.get_absolute_url())
    assert page.status_code == 200 and 'id="edit"' not in page.content.decode()
    assert client.get(reverse("evaluations:form_edit", args=[school.pk])).status_code == 404
    assert client.get(hospital.get_absolute_url()).status_code == 404


def test_the_form_page_shows_execution_indicators_and_problems(client_as):
    _, school, _ = _two_forms()
    page = client_as("edu_preparer").get(school.get_absolute_url()).content.decode()
    assert "500,000.00" in page and "450,000.00" in page and "90.00%" in page
    assert "维修校舍面积" in page and "≥ 3000平方米" in page and "产出指标 / 数量指标" in page
    assert 'id="submission-problems"' in page and "年度总体目标完成情况" in page
    assert 'id="review-panel"' in page and 'id="edit"' in page
    assert 'id="evidence"' in page and 'id="evidence-form"' in page  # the unit adds evidence while editable


def test_the_score_endpoint_recomputes_without_saving(client_as):
    _, school, _ = _two_forms()
    client = client_as("edu_preparer")
    url = reverse("evaluations:form_score", args=[school.pk])
    response = client.post(url, _row_post(school, MET))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'id="score-total">99.00<' in text and 'id="score-grade">优<' in text
    short = client.post(url, _row_post(school, {**MET, "维修校舍面积": {"actual": "1500"}})).content.decode()
    assert 'id="score-total">89.00<' in short and "须填写偏差原因和改进措施" in short
    stored = SelfEvaluation.objects.get(pk=school.pk)
    assert stored.total_score is None and not any(r.actual for r in stored.indicators.all())  # nothing saved


def test_a_typed_value_that_is_not_a_number_is_explained_in_the_panel(client_as):
    _, school, _ = _two_forms()
    response = client_as("edu_preparer").post(
        reverse("evaluations:form_score", args=[school.pk]), _row_post(school, {"维修校舍面积": {"actual": "很多"}})
    )
    assert response.status_code == 200 and "很多" in response.content.decode()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"rows-TOTAL_FORMS": "1", "rows-INITIAL_FORMS": "1", "rows-0-row_id": "abc"},
        {"rows-TOTAL_FORMS": "1", "rows-INITIAL_FORMS": "1", "rows-0-row_id": "999999999"},
        {"rows-TOTAL_FORMS": "x", "rows-INITIAL_FORMS": "1"},
        {"rows-TOTAL_FORMS": "1", "rows-INITIAL_FORMS": "1", "rows-0-row_id": "1e99"},
    ],
)
def test_the_score_endpoint_answers_400_to_garbage(client_as, body):
    _, school, _ = _two_forms()
    response = client_as("edu_preparer").post(reverse("evaluations:form_score", args=[school.pk]), body)
    assert response.status_code == 400
    assert re.search(r"[\u4e00-\u9fff]", response.content.decode())


def test_a_band_outside_the_choices_is_a_400(client_as):
    _, school, _ = _two_forms()
    response = client_as("edu_preparer").post(
        reverse("evaluations:form_score", args=[school.pk]), _row_post(school, {"消除校舍安全隐患": {"band": "x"}})
    )
    assert response.status_code == 400 and "评价档次" in response.content.decode()


def test_the_unit_saves_and_the_server_scores(client_as):
    _, school, _ = _two_forms()
    client = client_as("edu_preparer")
    url = reverse("evaluations:form_edit", args=[school.pk])
    page = client.get(url).content.decode()
    assert 'id="score-panel"' in page and "hx-post" in page
    data = {**_row_post(school, MET), "version": school.version, "goal_completion": "全面完成年度目标"}
    response = client.post(url, data)
    assert response.status_code == 302
    saved = SelfEvaluation.objects.get(pk=school.pk)
    assert str(saved.total_score) == "99.00" and saved.grade == "优"
    assert saved.goal_completion == "全面完成年度目标"


def test_a_refused_save_keeps_what_was_typed(client_as):
    _, school, _ = _two_forms()
    client = client_as("edu_preparer")
    url = reverse("evaluations:form_edit", args=[school.pk])
    data = {
        **_row_post(school, {**MET, "工程验收合格率": {"actual": "合格"}}),
        "version": school.version,
        "goal_completion": "目标已完成大半",
    }
    response = client.post(url, data)
    text = response.content.decode()
    assert response.status_code == 200
    assert "第 2 项指标“工程验收合格率”的“全年实际值”必须是数字，现为“合格”" in text
    assert "目标已完成大半" in text and 'value="3000"' in text
    assert SelfEvaluation.objects.get(pk=school.pk).goal_completion == ""


def test_a_stale_version_is_refused(client_as):
    _, school, _ = _two_forms()
    client = client_as("edu_preparer")
    data = {**_row_post(school, MET), "version": school.version + 5, "goal_completion": "x"}
    response = client.post(reverse("evaluations:form_edit", args=[school.pk]), data)
    assert response.status_code == 200 and 'id="form-errors"' in response.content.decode()
    assert SelfEvaluation.objects.get(pk=school.pk).goal_completion == ""


def test_submit_and_review_through_the_pages(client_as):
    _, school, _ = _two_forms()
    preparer = client_as("edu_preparer")
    data = {**_row_post(school, MET), "version": school.version, "goal_completion": "全面完成年度目标"}
    preparer.post(reverse("evaluations:form_edit", args=[school.pk]), data)
    for username, action in [
        ("edu_preparer", "submit"),
        ("edu_head", "approve"),
        ("edu_reviewer", "approve"),
        ("desk_edu", "approve"),
        ("perf", "approve"),
    ]:
        form = SelfEvaluation.objects.get(pk=school.pk)
        response = client_as(username).post(
            reverse("evaluations:form_transition", args=[school.pk]), {"action": action, "version": form.version}
        )
        assert response.status_code == 302, username
        assert SelfEvaluation.objects.get(pk=school.pk).version == form.version + 1, username
    form = SelfEvaluation.objects.get(pk=school.pk)
    assert form.status == "approved"
    page = client_as("edu_preparer").get(form.get_absolute_url()).content.decode()
    assert "审核通过" in page and 'id="edit"' not in page


@pytest.mark.parametrize("username", ["perf", "desk_edu", "edu_reviewer", "edu_head", "edu_preparer", "leader"])
def test_the_lists_render_for_each_persona(client_as, username):
    _two_forms()
    client = client_as(username)
    assert client.get(reverse("evaluations:forms")).status_code == 200
    assert client.get(reverse("evaluations:rounds")).status_code == 200


def test_the_organiser_draws_the_spot_recheck_from_the_round_page(client_as):
    from evaluations.tests.self_helpers import fill_and_submit

    _, school, _ = _two_forms()
    page = client_as("perf").get(school.round.get_absolute_url()).content.decode()
    assert 'id="draw-sample"' not in page  # nothing submitted yet
    fill_and_submit(school)
    page = client_as("perf").get(school.round.get_absolute_url()).content.decode()
    assert reverse("evaluations:sample_new", args=[school.round_id]) in page
    assert 'id="draw-sample"' not in client_as("leader").get(school.round.get_absolute_url()).content.decode()
