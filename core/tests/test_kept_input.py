"""A form the server refuses keeps what the user typed (issue 12 §7; core/kept_input.py): the library's 办理 form
keeps the amount after the no-target refusal, the assessment keeps every score after a refused save; once shown,
the kept values are gone, and they never reach another form."""

import pytest

from assessments.models import Assessment
from subjects.tests.helpers import make_subject, walk_to_admission

pytestmark = pytest.mark.django_db


def test_the_library_form_keeps_the_amount_and_reason_after_a_refusal(client_as, monkeypatch):
    from subjects import assessment_gate

    monkeypatch.setattr(assessment_gate, "assessment_clears", lambda subject: (True, ""))
    subject = walk_to_admission(make_subject(name="保留输入测试项目"))
    client = client_as("budget")
    response = client.post(
        f"/subjects/{subject.pk}/lifecycle/",
        {"action": "fund", "version": subject.version, "amount": "450000.00", "year": 2026, "reason": "按财力安排"},
        follow=True,
    )
    html = response.content.decode()
    assert "第十一条（一）" in html  # refused: no approved targets
    assert 'id="id_amount" value="450000.00"' in html and 'value="按财力安排"' in html
    again = client.get(f"/subjects/{subject.pk}/").content.decode()
    assert 'id="id_amount" value=""' in again  # shown once


def test_the_assessment_keeps_every_score_after_a_refused_save(client_as):
    assessment = Assessment.objects.filter(status__in=["draft", "returned"]).select_related("subject").first()
    if assessment is None:
        pytest.skip("the demo has no assessment being filled")
    from accounts.models import User
    from workflow import guards

    preparer = next(u for u in User.objects.filter(is_active=True) if guards.can_edit(u, assessment))
    client = client_as(preparer.username)
    rows = list(assessment.scores.select_related("point"))
    data = {"version": assessment.version, "summary": "保留的评估意见"}
    for row in rows:
        data[f"score_{row.point_id}"] = "1"
        data[f"finding_{row.point_id}"] = f"意见{row.point_id}"
    data[f"score_{rows[0].point_id}"] = str(rows[0].point.weight + 100)  # above the weight: refused
    html = client.post(f"/assessments/{assessment.pk}/save/", data, follow=True).content.decode()
    assert 'class="alert alert-danger' in html
    for row in rows[1:]:
        assert f"意见{row.point_id}" in html
    assert "保留的评估意见" in html
    assert Assessment.objects.get(pk=assessment.pk).summary != "保留的评估意见"  # nothing saved
