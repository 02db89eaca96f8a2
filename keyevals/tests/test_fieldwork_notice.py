"""The evaluation notice and the fieldwork (seed 003 第三十八条: the notice to the evaluated unit after the plan is
approved; 第三十九条: the unit provides material): the notice in the unit's 待办 until signed for, document requests
answered by the unit (late answers marked, not refused), accepted by the organiser; site visits and consultation
notes by the agency and experts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core import clock, todo
from keyevals import fieldwork, plan
from keyevals.models import KeyStatus, RequestStatus
from keyevals.tests.core_helpers import DAY, issued_notice, new_evaluation, plan_with, user

pytestmark = pytest.mark.django_db


def titles(username):
    with clock.pinned(DAY):
        return [item.title for item in todo.todos_for(user(username))]


def test_the_notice_is_refused_before_the_plan_is_approved_seed_003_article_38():
    evaluation = new_evaluation("通知书测试", expert=False)
    plan_with(
        evaluation, "national", [("决策", "a", "20"), ("过程", "b", "20"), ("产出", "c", "30"), ("效益", "d", "30")]
    )
    with pytest.raises(ValidationError, match="工作方案审批通过后"):
        plan.issue_notice(user("perf"), evaluation, plan.notice_defaults(evaluation))
    assert not evaluation.notices.exists()


def test_the_notice_is_in_the_units_todo_until_signed_for(client_as):
    evaluation = new_evaluation("待办测试", expert=False)
    notice = issued_notice(evaluation)
    assert notice.purpose == "了解成效"  # pre-filled from the plan
    assert any("待办测试" in t and "待签收" in t for t in titles("edu_reviewer"))
    assert not any("待办测试" in t for t in titles("health_reviewer"))
    assert not any("待办测试" in t for t in titles("perf"))  # the organiser's own notice is not its 待办
    page = client_as("edu_reviewer").get(f"/keyevals/notices/{notice.pk}/")
    assert page.status_code == 200 and 'id="sign-notice"' in page.content.decode()
    assert client_as("edu_reviewer").get(f"/keyevals/{evaluation.pk}/").status_code == 404  # not the hub
    assert client_as("health_reviewer").post(f"/keyevals/notices/{notice.pk}/sign/").status_code == 404
    assert client_as("agency").post(f"/keyevals/notices/{notice.pk}/sign/").status_code == 404
    client_as("edu_reviewer").post(f"/keyevals/notices/{notice.pk}/sign/")
    notice.refresh_from_db()
    assert notice.read_by == user("edu_reviewer") and notice.read_at is not None
    assert not any("待办测试" in t for t in titles("edu_reviewer"))


def test_start_fieldwork_after_plan_and_notice():
    from keyevals.lifecycle import run

    evaluation = new_evaluation("开始实施", expert=False)
    issued_notice(evaluation)
    evaluation.refresh_from_db()
    with clock.pinned(DAY):
        run("start_fieldwork", evaluation, user("perf"), version=evaluation.version)
    assert evaluation.status == KeyStatus.FIELDWORK


def test_a_document_request_is_answered_by_the_unit_late_but_not_refused(client_as, media_root):
    evaluation = new_evaluation("资料测试")
    issued_notice(evaluation)
    client = client_as("agency")  # the commissioned agency asks for material
    with clock.pinned(DAY):
        response = client.post(
            f"/keyevals/{evaluation.pk}/requests/new/",
            {"title": "资金拨付明细", "detail": "按学校列示", "due_on": "2026-09-05"},
        )
    assert response.status_code == 302
    row = evaluation.document_requests.get()
    assert any("资金拨付明细" in t for t in titles("edu_reviewer"))
    assert client_as("edu_preparer").get(f"/keyevals/requests/{row.pk}/").status_code == 404  # another organisation
    upload = SimpleUploadedFile("拨付明细.csv", "学校,金额\n第一中学,1000\n".encode(), content_type="text/csv")
    with clock.pinned(DAY + datetime.timedelta(days=10)):
        answered = client_as("edu_reviewer").post(
            f"/keyevals/requests/{row.pk}/", {"answer": "已整理上传", "files": [upload]}
        )
    assert answered.status_code == 302, answered.content.decode()[:3000]
    row.refresh_from_db()
    assert row.status == RequestStatus.ANSWERED and row.files.count() == 1 and fieldwork.is_late(row)
    assert not any("资金拨付明细" in t for t in titles("edu_reviewer"))
    page = client_as("perf").get(f"/keyevals/requests/{row.pk}/").content.decode()
    assert 'id="late"' in page and "拨付明细.csv" in page
    download = client_as("agency").get(f"/keyevals/requests/{row.pk}/files/{row.files.get().pk}/")
    assert download.status_code == 200
    assert client_as("edu_reviewer").post(f"/keyevals/requests/{row.pk}/accept/").status_code == 404
    client_as("perf").post(f"/keyevals/requests/{row.pk}/accept/")
    row.refresh_from_db()
    assert row.status == RequestStatus.ACCEPTED


def test_an_empty_answer_is_refused():
    evaluation = new_evaluation("空答复")
    issued_notice(evaluation)
    with clock.pinned(DAY):
        row = fieldwork.create_request(user("perf"), evaluation, {"title": "台账", "due_on": DAY})
    with pytest.raises(ValidationError):
        fieldwork.answer_request(user("edu_reviewer"), row, "  ")
    row.refresh_from_db()
    assert row.status == RequestStatus.OPEN


def test_experts_and_agencies_record_visits_and_consultations(client_as):
    evaluation = new_evaluation("现场测试")
    with clock.pinned(DAY):
        ok = client_as("expert").post(
            f"/keyevals/{evaluation.pk}/visits/new/",
            {"visited_on": "2026-08-30", "place": "第一中学食堂", "people": "沈专家", "findings": "台账完整"},
        )
        assert ok.status_code == 302
        future = client_as("agency").post(
            f"/keyevals/{evaluation.pk}/visits/new/",
            {"visited_on": "2026-12-30", "place": "x", "people": "y", "findings": "z"},
        )
        assert "不能晚于今天" in future.content.decode()
        note = client_as("agency").post(
            f"/keyevals/{evaluation.pk}/consultations/new/",
            {"held_on": "2026-08-31", "experts": "沈专家", "topic": "指标论证", "opinion": "同意"},
        )
        assert note.status_code == 302
    assert evaluation.site_visits.count() == 1 and evaluation.consultations.count() == 1
    assert client_as("edu_reviewer").get(f"/keyevals/{evaluation.pk}/visits/new/").status_code == 404
    assert client_as("leader").get(f"/keyevals/{evaluation.pk}/visits/new/").status_code == 404
