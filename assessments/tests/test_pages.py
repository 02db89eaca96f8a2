"""The pages: list with filters and buttons, detail with the scoring form and the review panel,
starting, commissioning, and the template pages (editing = a new version)."""

from decimal import Decimal

import pytest

from assessments import actions
from assessments.choices import AppliesTo
from assessments.models import Assessment, AssessmentTemplate
from assessments.tests.helpers import AGENCY, department_assessment, make_subject, org, user

pytestmark = pytest.mark.django_db


def test_detail_shows_the_form_to_the_department_and_read_only_to_the_desk(client_as):
    assessment = actions.start_assessment(make_subject("详情页项目"), user("edu_reviewer"))
    body = client_as("edu_reviewer").get(f"/assessments/{assessment.pk}/").content.decode()
    assert 'id="score-form"' in body and 'name="score_' in body and "review-panel" in body
    assert "符合政府购买服务指导性目录" in body and "《政府购买服务预算绩效管理暂行办法》第十条" in body
    desk = client_as("desk_edu").get(f"/assessments/{assessment.pk}/").content.decode()
    assert 'name="score_' not in desk and "下载评估报告" in desk


def test_list_filters_and_buttons(client_as):
    department_assessment(make_subject("列表筛选项目"), fraction="0.9")
    reviewer = client_as("edu_reviewer").get("/assessments/?q=列表筛选").content.decode()
    assert "列表筛选项目" in reviewer and "发起事前评估" in reviewer and "委托第三方评估" not in reviewer
    perf = client_as("perf").get("/assessments/?kind=third_party").content.decode()
    assert "委托第三方评估" in perf and "列表筛选项目" not in perf


def test_start_and_commission_pages(client_as):
    subject = make_subject("页面发起项目")
    response = client_as("edu_reviewer").post("/assessments/start/", {"subject": subject.pk})
    assert response.status_code == 302
    assert Assessment.objects.filter(subject=subject, kind="department").exists()
    assert client_as("edu_reviewer").get("/assessments/commission/").status_code == 404
    response = client_as("perf").post(
        "/assessments/commission/", {"subject": subject.pk, "agency": org(AGENCY).pk, "reason": "独立评估"}
    )
    assert response.status_code == 302
    assert Assessment.objects.filter(subject=subject, kind="third_party", agency=org(AGENCY)).exists()


def test_template_edit_saves_a_new_version_for_the_performance_section_only(client_as):
    template = actions.active_template(AppliesTo.GENERAL)
    assert client_as("edu_reviewer").get(f"/assessments/templates/{template.pk}/edit/").status_code == 404
    assert client_as("county_perf").get(f"/assessments/templates/{template.pk}/edit/").status_code == 404
    points = template.ordered_points()
    data = {
        "name": template.name,
        "effective_from": "2026-01-01",
        "support_min": "85",
        "improve_min": "65",
        "basis": template.basis,
        "reason": "提高分数线",
        "points-TOTAL_FORMS": str(len(points)),
        "points-INITIAL_FORMS": str(len(points)),
        "points-MIN_NUM_FORMS": "0",
        "points-MAX_NUM_FORMS": "1000",
    }
    for i, p in enumerate(points):
        data.update(
            {
                f"points-{i}-dimension": p.dimension,
                f"points-{i}-name": p.name,
                f"points-{i}-weight": str(p.weight),
                f"points-{i}-guidance": p.guidance,
            }
        )
    client = client_as("perf")
    assert client.get(f"/assessments/templates/{template.pk}/edit/").status_code == 200
    bad = dict(data, **{"points-0-weight": "1"})
    assert "合计应为 100" in client.post(f"/assessments/templates/{template.pk}/edit/", bad).content.decode()
    response = client.post(f"/assessments/templates/{template.pk}/edit/", data)
    assert response.status_code == 302
    new = AssessmentTemplate.objects.get(code=template.code, is_active=True)
    assert new.version == template.version + 1 and new.support_min == Decimal("85")
    assert len(new.ordered_points()) == len(points)
