"""The feedback letter (seed 003 附件6: 请于 年 月 日前提出书面意见或说明，逾期未复，视为无异议): its reply date, the reply,
and the deadline rule applied by the daily background task and by the pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from audit.models import AuditEntry
from core import clock
from core.todo import todos_for
from keyevals import letters
from keyevals.models import FeedbackLetter, LetterStatus
from keyevals.tasks import deem_unanswered_letters
from keyevals.tests.report_fixtures import approve, make_evaluation, send_letter, user, with_report

pytestmark = pytest.mark.django_db

SENT = datetime.date(2026, 9, 1)


def _letter(title="反馈函测试评价"):
    evaluation = make_evaluation(title)
    with_report(evaluation)
    return send_letter(evaluation, SENT)


def test_the_reply_date_defaults_to_the_configured_days(settings):
    """*practice*: 附件6 leaves the date blank; JIXIAO_FEEDBACK_DAYS (10) proposes it."""
    letter = _letter()
    assert letter.reply_due == SENT + datetime.timedelta(days=10)
    assert "请于2026年9月11日前提出书面意见或说明，逾期未复，视为无异议。" == letters.deadline_sentence(letter)
    settings.JIXIAO_FEEDBACK_DAYS = 7
    assert letters.default_reply_due(SENT) == datetime.date(2026, 9, 8)


def test_a_letter_needs_a_draft_report_not_yet_approved_and_one_at_a_time():
    evaluation = make_evaluation()
    with pytest.raises(ValidationError, match="报告初稿形成后"):
        letters.send_letter(user("perf"), evaluation)
    with_report(evaluation)
    with pytest.raises(ValidationError) as refused:
        letters.send_letter(user("perf"), evaluation, reply_due=clock.today())
    assert "reply_due" in refused.value.error_dict
    with pytest.raises(PermissionDenied):
        letters.send_letter(user("edu_reviewer"), evaluation)
    letters.send_letter(user("perf"), evaluation)
    with pytest.raises(ValidationError, match="等待被评价单位反馈"):
        letters.send_letter(user("perf"), evaluation)
    other = make_evaluation("已审核的评价")
    with_report(other)
    approve(other)
    with pytest.raises(ValidationError, match="审核通过"):
        letters.send_letter(user("perf"), other)
    assert FeedbackLetter.objects.filter(evaluation=evaluation).count() == 1


def test_on_the_reply_date_the_letter_is_still_awaiting_and_may_be_answered():
    letter = _letter()
    with clock.pinned(letter.reply_due):
        assert letters.deem_overdue() == 0
        letter.refresh_from_db()
        assert letter.status == LetterStatus.AWAITING
        letters.reply(user("edu_reviewer"), letter, objection=False, sections={})
    assert letter.status == LetterStatus.REPLIED


def test_the_day_after_the_reply_date_no_reply_counts_as_no_objection():
    """seed 003 附件6: 逾期未复，视为无异议."""
    letter = _letter()
    with clock.pinned(letter.reply_due + datetime.timedelta(days=1)):
        assert letters.deem_overdue() == 1
        letter.refresh_from_db()
        assert (letter.status, letter.objection) == (LetterStatus.DEEMED, False)
        entry = AuditEntry.objects.filter(object_type="keyevals.feedbackletter", object_id=str(letter.pk)).latest("id")
        assert entry.action == "transition" and entry.actor_id is None and "视同无异议" in entry.actor_name
        with pytest.raises(ValidationError, match="视为无异议"):
            letters.reply(user("edu_reviewer"), letter, objection=True, sections={"other": "晚到的意见"})
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DEEMED and letter.reply == ""


def test_a_reply_before_the_date_keeps_the_three_opinions():
    letter = _letter()
    with clock.pinned(SENT + datetime.timedelta(days=3)):
        with pytest.raises(ValidationError, match="有异议时"):
            letters.reply(user("edu_reviewer"), letter, objection=True, sections={})
        letters.reply(
            user("edu_reviewer"),
            letter,
            objection=True,
            sections={"on_conclusion": "得分偏低", "on_suggestions": "同意", "other": ""},
        )
        with pytest.raises(ValidationError, match="重复"):
            letters.reply(user("edu_reviewer"), letter, objection=False, sections={})
    assert letter.objection and letter.replied_by == user("edu_reviewer")
    assert letters.parse_reply(letter.reply) == [
        ("对报告中“评价结论”的意见", "得分偏低"),
        ("对报告中“建议”的意见", "同意"),
        ("其它意见或建议", "无"),
    ]


def test_only_the_evaluated_organisation_replies():
    letter = _letter()
    for username in ("perf", "agency", "health_reviewer"):
        with pytest.raises(PermissionDenied):
            letters.reply(user(username), letter, objection=False, sections={})
    assert letters.may_reply(user("edu_reviewer"), letter)


def test_the_daily_task_is_idempotent_and_runs_on_the_business_date(immediate_tasks):
    first, second = _letter("逾期一"), _letter("逾期二")
    with clock.pinned(SENT + datetime.timedelta(days=1)):
        letters.reply(user("edu_reviewer"), second, objection=False, sections={})
    with clock.pinned(first.reply_due):
        assert deem_unanswered_letters.call()["deemed"] == 0
    with clock.pinned(first.reply_due + datetime.timedelta(days=1)):
        result = deem_unanswered_letters.enqueue()
        assert result.return_value == {"date": "2026-09-12", "deemed": 1}
        assert deem_unanswered_letters.call()["deemed"] == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (LetterStatus.DEEMED, LetterStatus.REPLIED)
    transitions = AuditEntry.objects.filter(
        object_type="keyevals.feedbackletter", object_id=str(first.pk), action="transition"
    )
    assert transitions.count() == 1


def test_the_management_command_runs_the_task(capsys):
    letter = _letter()
    with clock.pinned(letter.reply_due + datetime.timedelta(days=2)):
        call_command("deem_feedback_letters", "--now")
    assert "1 份" in capsys.readouterr().out
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DEEMED


def test_the_letter_is_in_the_units_todo_until_answered():
    letter = _letter()
    with clock.pinned(SENT + datetime.timedelta(days=1)):
        urls = [item.url for item in todos_for(user("edu_reviewer"))]
        assert f"/keyevals/letters/{letter.pk}/" in urls
        assert f"/keyevals/letters/{letter.pk}/" not in [i.url for i in todos_for(user("perf"))]
        assert f"/keyevals/letters/{letter.pk}/" not in [i.url for i in todos_for(user("health_reviewer"))]
        letters.reply(user("edu_reviewer"), letter, objection=False, sections={})
        assert f"/keyevals/letters/{letter.pk}/" not in [i.url for i in todos_for(user("edu_reviewer"))]


def test_the_unit_replies_on_the_letter_page_but_does_not_reach_the_evaluation(client_as):
    letter = _letter()
    client = client_as("edu_reviewer")
    with clock.pinned(SENT + datetime.timedelta(days=2)):
        page = client.get(f"/keyevals/letters/{letter.pk}/")
        assert page.status_code == 200 and "逾期未复，视为无异议" in page.content.decode()
        assert client.get(f"/keyevals/{letter.evaluation_id}/report/").status_code == 404
        assert client.get(f"/keyevals/letters/{letter.pk}/letter.docx").status_code == 200
        response = client.post(
            f"/keyevals/letters/{letter.pk}/reply/", {"objection": "1", "on_conclusion": "", "other": ""}
        )
        assert response.status_code == 200 and "有异议时请写明" in response.content.decode()
        response = client.post(f"/keyevals/letters/{letter.pk}/reply/", {"objection": "0"})
        assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == LetterStatus.REPLIED and not letter.objection
    assert client_as("health_reviewer").get(f"/keyevals/letters/{letter.pk}/").status_code == 404
    assert client_as("county_perf").get(f"/keyevals/letters/{letter.pk}/").status_code == 404


def test_opening_a_letter_after_its_date_applies_the_rule(client_as):
    letter = _letter()
    with clock.pinned(letter.reply_due + datetime.timedelta(days=1)):
        page = client_as("edu_reviewer").get(f"/keyevals/letters/{letter.pk}/")
        assert "视为无异议" in page.content.decode() and 'id="deemed"' in page.content.decode()
        response = client_as("edu_reviewer").post(f"/keyevals/letters/{letter.pk}/reply/", {"objection": "0"})
        assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DEEMED
