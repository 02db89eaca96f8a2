"""The narrative of the 绩效报告 on the self-evaluation form (seed 003 附件4 绩效报告（提纲）): the nine text fields in the
outline's order on the edit page with their help, through the API, the Excel download and upload, and under their
headings in the Word report; only 年度总体目标完成情况 is required to submit; a field too long is refused by name
whichever way it comes, and nothing changes."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.testing import client_for
from core.tests import docx_rules as rules
from core.xlsx import put
from evaluations import self_actions
from evaluations.documents import report
from evaluations.documents.xlsx_layout import NARRATIVE, SHEET_TITLE
from evaluations.models import SelfEvaluation
from evaluations.self_forms import NARRATIVE_HELP
from evaluations.tests.self_helpers import MET, fill_and_submit, form_of, funded_subject, open_round
from subjects.tests.helpers import user
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db
JSON = "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NARRATIVE_VALUES = {
    "main_content": "为全校 42 个教室更换课桌椅并维修屋面防水",
    "plan_adjustment": "暑期工期顺延两周，增加夜间施工班组",
    "goal_completion": "完成校舍维修 3,000 平方米",
    "management": "执行学校基建管理办法，资金按进度拨付",
    "variance_reason": "公开招标降低成交价，结余 5 万元",
    "social_impact": "消除校舍安全隐患，保障 1,800 名师生安全",
    "experience": "提前做好施工组织设计是按期完工的关键",
    "problems": "雨季影响工期",
    "measures": "加强进度管理",
}


def _form() -> SelfEvaluation:
    subject = funded_subject()  # before the round: the round's forms are created when it opens
    return form_of(open_round(), subject)


def _reload(form) -> SelfEvaluation:
    return SelfEvaluation.objects.select_related("round", "scheme", "subject").get(pk=form.pk)


def _save(form, data: dict) -> SelfEvaluation:
    rows = {r.pk: MET.get(r.name, {}) for r in form.indicators.all()}
    return _reload(self_actions.save_form(form, user("edu_preparer"), form.version, data=data, rows=rows))


# --- the form page -------------------------------------------------------------------------------------------------


def test_the_edit_page_asks_for_the_outline_in_its_order_with_help():
    """seed 003 附件4: 二 项目主要内容; 五 2. 计划调整, 4. 目标完成, 5. 管理制度; 资金超支（节约）原因; 六 2. 社会影响, 3. 经验、问题、改进."""
    form = _form()
    page = client_for("edu_preparer").get(reverse("evaluations:form_edit", args=[form.pk])).content.decode()
    narrative = page.split('id="narrative"')[1]
    positions = [narrative.index(f'name="{name}"') for name in self_actions.FORM_FIELDS]
    assert positions == sorted(positions)
    for name, help_text in NARRATIVE_HELP.items():
        assert help_text in narrative, name
    assert self_actions.FORM_FIELDS == tuple(NARRATIVE_HELP)  # every field has its help


def test_the_unit_saves_the_narrative_from_the_page_and_it_shows_on_the_form_page():
    from evaluations.tests.test_self_pages import _row_post

    form = _form()
    client = client_for("edu_preparer")
    data = {**_row_post(form, MET), "version": form.version, **NARRATIVE_VALUES}
    response = client.post(reverse("evaluations:form_edit", args=[form.pk]), data)
    assert response.status_code == 302
    saved = _reload(form)
    assert {name: getattr(saved, name) for name in NARRATIVE_VALUES} == NARRATIVE_VALUES
    page = client.get(saved.get_absolute_url()).content.decode()
    shown = page.split('id="narrative"')[1]
    positions = [shown.index(value) for value in NARRATIVE_VALUES.values()]
    assert positions == sorted(positions)  # the outline's order


def test_a_narrative_too_long_is_refused_by_name_and_nothing_changes():
    from evaluations.tests.test_self_pages import _row_post

    form = _form()
    too_long = "长" * (self_actions.NARRATIVE_MAX + 1)
    data = {**_row_post(form, MET), "version": form.version, "goal_completion": "完成", "management": too_long}
    response = client_for("edu_preparer").post(reverse("evaluations:form_edit", args=[form.pk]), data)
    assert response.status_code == 200
    assert "“项目管理制度及执行情况”长度为 5,001 个字，超过上限 5,000 个字" in response.content.decode()
    stored = _reload(form)
    assert stored.version == form.version and stored.management == "" and stored.goal_completion == ""


def test_the_narrative_is_audited_field_by_field():
    from audit.models import AuditAction, AuditEntry

    form = _save(_form(), {"variance_reason": "招标节约"})
    entries = AuditEntry.objects.filter(
        action=AuditAction.UPDATE, object_type="evaluations.selfevaluation", object_id=str(form.pk)
    )
    assert any("招标节约" in str(e.changes) and "资金超支" in str(e.changes) for e in entries)


# --- submission ----------------------------------------------------------------------------------------------------


def test_only_goal_completion_is_required_to_submit():
    """The rule of the three fields kept for the nine: the report fills the others from the form's data."""
    form = _form()
    assert "尚未填写“年度总体目标完成情况”" in self_actions.submission_problems(form)
    submitted = fill_and_submit(form)  # goal_completion only, the six new fields empty
    assert submitted.status != ReviewStatus.DRAFT
    assert all(getattr(submitted, name) == "" for name in ("main_content", "management", "experience"))


# --- the API -------------------------------------------------------------------------------------------------------


def test_the_api_reads_and_patches_the_narrative():
    form = _form()
    client = client_for("edu_preparer")
    url = f"/api/self-evaluations/{form.pk}/"
    body = client.get(url).json()
    assert all(body[name] == "" for name in self_actions.FORM_FIELDS if name != "goal_completion")
    response = client.patch(url, {"version": form.version, **NARRATIVE_VALUES}, content_type=JSON)
    assert response.status_code == 200, response.content
    data = response.json()
    assert {name: data[name] for name in NARRATIVE_VALUES} == NARRATIVE_VALUES
    assert data["version"] == form.version + 1


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("长" * (self_actions.NARRATIVE_MAX + 1), "超过上限 5,000 个字"),
        (["一段"], "Not a valid string"),
        ({"text": "x"}, "Not a valid string"),
    ],
)
def test_the_api_refuses_a_bad_narrative_naming_it_and_saves_nothing(value, message):
    form = _form()
    response = client_for("edu_preparer").patch(
        f"/api/self-evaluations/{form.pk}/",
        {"version": form.version, "social_impact": value, "problems": "不应保存"},
        content_type=JSON,
    )
    assert response.status_code == 400, response.content
    assert "social_impact" in response.json() or message in response.content.decode()
    stored = _reload(form)
    assert stored.version == form.version and stored.problems == "" and stored.social_impact == ""


def test_the_action_refuses_what_is_not_text():
    form = _form()
    with pytest.raises(ValidationError) as refused:
        self_actions.save_form(form, user("edu_preparer"), form.version, data={"experience": 42})
    assert "“项目实施的经验”应为文字" in str(refused.value)


# --- Excel ---------------------------------------------------------------------------------------------------------


def _download(client, form) -> openpyxl.Workbook:
    response = client.get(reverse("evaluations:form_xlsx", args=[form.pk]))
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _narrative_rows(ws) -> dict[str, int]:
    labels = {label: name for label, name in NARRATIVE.items()}
    return {labels[ws.cell(r, 1).value]: r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value in labels}


def _upload(client, form, wb):
    buffer = io.BytesIO()
    wb.save(buffer)
    return client.post(
        reverse("evaluations:form_xlsx_upload", args=[form.pk]),
        {"file": SimpleUploadedFile("自评表.xlsx", buffer.getvalue(), content_type=XLSX)},
    )


def test_the_workbook_has_a_typed_cell_for_each_narrative_in_the_outlines_order():
    form = _save(_form(), NARRATIVE_VALUES)
    ws = _download(client_for("edu_preparer"), form)[SHEET_TITLE]
    rows = _narrative_rows(ws)
    assert list(rows) == [n for n in self_actions.FORM_FIELDS if n != "goal_completion"]  # goal: the goal block
    assert list(rows.values()) == sorted(rows.values())
    for name, row in rows.items():
        assert ws.cell(row, 3).value == NARRATIVE_VALUES[name]
        assert ws.cell(row, 3).protection.locked is False and ws.cell(row, 1).protection.locked


def test_round_trip_of_the_narrative_through_the_workbook():
    form = _form()
    client = client_for("edu_preparer")
    wb = _download(client, form)
    ws = wb[SHEET_TITLE]
    rows = _narrative_rows(ws)
    typed = {name: f"{NARRATIVE_VALUES[name]}（表内填写）" for name in rows}
    typed["variance_reason"] = "=结余原因见附件"  # text that looks like a formula, typed as text: stays text
    for name, row in rows.items():
        put(ws.cell(row, 3), typed[name])
    response = _upload(client, form, wb)
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = _reload(form)
    assert {name: getattr(saved, name) for name in typed} == typed
    # downloaded again: the formula-looking text is written inert (core.xlsx), never a live formula
    from core.tests.test_export_cells import inert_strings

    assert "=结余原因见附件" in inert_strings(_download(client, saved))


def test_a_narrative_cell_too_long_is_named_and_nothing_changes():
    form = _save(_form(), {"experience": "原有经验"})
    client = client_for("edu_preparer")
    wb = _download(client, form)
    ws = wb[SHEET_TITLE]
    row = _narrative_rows(ws)["experience"]
    ws.cell(row, 3).value = "长" * (self_actions.NARRATIVE_MAX + 1)
    ws.cell(_narrative_rows(ws)["main_content"], 3).value = "另一处合法修改"
    response = _upload(client, form, wb)
    assert response.status_code == 400
    assert f"C{row} 项目实施的经验长度为 5001 个字，超过上限 5000 个字" in response.content.decode()
    stored = _reload(form)
    assert stored.experience == "原有经验" and stored.main_content == "" and stored.version == form.version


# --- the Word report -----------------------------------------------------------------------------------------------


def _paragraphs(form) -> list[str]:
    return [p.text for p in rules.document(report.build(_reload(form))).paragraphs]


def _between(paragraphs: list[str], start: str, end: str) -> list[str]:
    return paragraphs[paragraphs.index(start) + 1 : paragraphs.index(end)]


def test_each_narrative_is_under_its_outline_heading():
    """seed 003 附件4 绩效报告（提纲）: each typed field under its heading, in the outline's order."""
    form = _save(_form(), NARRATIVE_VALUES)
    p = _paragraphs(form)
    assert NARRATIVE_VALUES["main_content"] in _between(p, "二、项目主要内容", "三、预期绩效目标")
    assert NARRATIVE_VALUES["plan_adjustment"] in _between(
        p, "（二）项目执行过程中目标、计划调整情况及采取的相关措施", "（三）项目的实际支出情况"
    )
    assert NARRATIVE_VALUES["goal_completion"] in _between(
        p, "（四）项目绩效目标或阶段性目标完成情况", "（五）项目管理制度及执行情况"
    )
    management = _between(p, "（五）项目管理制度及执行情况", "六、资金超支（节约）原因")
    assert management == [NARRATIVE_VALUES["management"]]  # typed: the target sheet's measures not repeated
    variance = _between(p, "六、资金超支（节约）原因", "七、项目绩效结果自我评价")
    assert variance[0].startswith("全年结余") and NARRATIVE_VALUES["variance_reason"] in variance
    social = _between(
        p, "（二）项目实施对社会的影响以及所起到的政治、经济和社会效益", "（三）项目实施的经验、存在的问题和改进建议"
    )
    assert social[0] == NARRATIVE_VALUES["social_impact"] and any("消除校舍安全隐患" in line for line in social[1:])
    lessons = p[p.index("（三）项目实施的经验、存在的问题和改进建议") + 1 :]
    order = [
        lessons.index("1.项目实施的经验"),
        lessons.index(NARRATIVE_VALUES["experience"]),
        lessons.index("2.存在的问题和原因"),
        lessons.index(NARRATIVE_VALUES["problems"]),
        lessons.index("3.改进措施和结果应用"),
        lessons.index(NARRATIVE_VALUES["measures"]),
    ]
    assert order == sorted(order)


def test_an_empty_narrative_falls_back_on_the_data_or_says_the_unit_left_it_empty():
    form = _save(_form(), {"goal_completion": "完成"})
    subject = form.subject
    p = _paragraphs(form)
    main = _between(p, "二、项目主要内容", "三、预期绩效目标")
    assert main and subject.name in main[0]  # the subject's summary or its name and budget
    assert _between(p, "（二）项目执行过程中目标、计划调整情况及采取的相关措施", "（三）项目的实际支出情况") == [
        "本年度绩效目标未作调整。"
    ]
    assert _between(p, "（五）项目管理制度及执行情况", "六、资金超支（节约）原因") == ["绩效目标未列保障措施。"]
    variance = _between(p, "六、资金超支（节约）原因", "七、项目绩效结果自我评价")
    assert variance[-1] == "原因：（单位未填写）"  # 450,000 of 500,000 paid: a saving without its reason
    lessons = p[p.index("1.项目实施的经验") :]
    assert lessons[1] == "（单位未填写）"


# --- the demo ------------------------------------------------------------------------------------------------------


def test_the_demo_forms_that_were_submitted_carry_the_narrative():
    forms = SelfEvaluation.objects.filter(fiscal_year=2025, submitted_at__isnull=False, round__region__code="990100")
    assert forms.exists()
    for form in forms:
        assert form.main_content and form.management and form.variance_reason and form.social_impact, str(form)
        assert form.plan_adjustment, str(form)
