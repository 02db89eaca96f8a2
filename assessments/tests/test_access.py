"""The gate over assessments: pages, API, report download and comparison answer 404 outside reach;
a commissioned agency reaches that subject and its own assessment only; an expert of the agency who
was not personally assigned reaches nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments import actions
from assessments.models import Assessment
from assessments.tests.helpers import AGENCY, department_assessment, make_subject, org, user
from audit.models import AuditAction, AuditEntry
from core import access
from core.testing import PERSONAS, SEES_SCHOOL, SURFACES, Reach, check_reach
from subjects.models import Subject

pytestmark = pytest.mark.django_db


def test_access_org_field_path_subject_organisation_is_understood_by_the_gate():
    assessment = department_assessment()
    # core.access builds f"{field}__path__startswith": the path through the subject works
    assert access.can(user("edu_reviewer"), "view", assessment)
    assert not access.can(user("health_reviewer"), "view", assessment)
    assert access.can(user("desk_edu"), "view", assessment) and not access.can(user("desk_social"), "view", assessment)


# A department assessment being scored (draft): seen by the school's reach and its report downloaded by it; scored
# only by the department's reviewer, who started it.
SCORING = Reach(view=SEES_SCHOOL, change={"edu_reviewer"})


@pytest.mark.parametrize("username", PERSONAS)
def test_every_role_on_a_school_assessment(username):
    assessment = department_assessment(make_subject("矩阵测试评估项目"))
    check_reach(assessment, SURFACES["assessments.assessment"], SCORING, personas=[username])


def _demo(subject_name: str, kind: str) -> Assessment:
    return Assessment.objects.get(subject__name=subject_name, kind=kind)


# The demo city's assessments of the school: the third-party one commissioned to the agency (assigned scope: the
# agency reads, scores and downloads it but exports no list), one submitted and one approved.
DEMO = {
    "third party, commissioned": (
        ("第一中学课后托管服务购买项目", "third_party"),
        Reach(view=SEES_SCHOOL | {"agency"}, change={"agency"}, export=SEES_SCHOOL),
    ),
    "department, in review": (("第一中学学生心理健康服务购买项目", "department"), Reach(view=SEES_SCHOOL)),
    "department, approved": (("第一中学研学旅行基地建设项目", "department"), Reach(view=SEES_SCHOOL)),
}


@pytest.mark.parametrize("username", PERSONAS)
@pytest.mark.parametrize("case", DEMO)
def test_every_role_on_the_demo_assessments(case, username):
    which, reach = DEMO[case]
    check_reach(_demo(*which), SURFACES["assessments.assessment"], reach, personas=[username])


def test_commissioned_agency_sees_that_subject_and_its_assessment_only(client_as):
    # Given two subjects with department assessments; the second is commissioned to the agency
    other = department_assessment(make_subject("未委托的项目"))
    department = department_assessment(make_subject("委托评估的项目"))
    subject = department.subject
    third = actions.commission_third_party(subject, user("perf"), org(AGENCY), "独立评估")
    agency = client_as("agency")
    # Then the agency reaches the subject and its own assessment …
    assert agency.get(f"/api/subjects/{subject.pk}/").status_code == 200
    assert agency.get(f"/assessments/{third.pk}/").status_code == 200
    assert agency.get(f"/api/assessments/{third.pk}/").status_code == 200
    assert agency.get(f"/assessments/subject/{subject.pk}/compare/").status_code == 200
    # … but not the department's assessment of the same subject, nor anything of another subject
    assert agency.get(f"/assessments/{department.pk}/").status_code == 404
    assert agency.get(f"/api/assessments/{department.pk}/").status_code == 404
    assert agency.get(f"/assessments/{other.pk}/").status_code == 404
    assert agency.get(f"/api/subjects/{other.subject.pk}/").status_code == 404
    assert agency.get(f"/assessments/subject/{other.subject.pk}/compare/").status_code == 404
    listed = {a["id"] for a in agency.get("/api/assessments/").json()["results"]}
    assert third.pk in listed and not listed & {department.pk, other.pk}
    reach = set(access.restrict(Subject.objects.all(), user("agency")))
    assert subject in reach and other.subject not in reach
    # only commissioned (third-party) assessments are in its reach, nothing else of the demo city
    assert all(a.kind == "third_party" for a in access.restrict(Assessment.objects.all(), user("agency")))
    # The expert works for the same agency but was not personally assigned: nothing
    expert = client_as("expert")
    for url in (f"/assessments/{third.pk}/", f"/api/assessments/{third.pk}/", f"/api/subjects/{subject.pk}/"):
        assert expert.get(url).status_code == 404


def test_compare_page_shows_both_results_to_finance(client_as):
    department = department_assessment(make_subject("对比项目"), fraction="0.9")
    third = actions.commission_third_party(department.subject, user("perf"), org(AGENCY), "独立评估")
    page = client_as("perf").get(f"/assessments/subject/{department.subject.pk}/compare/")
    body = page.content.decode()
    assert page.status_code == 200 and "部门评估" in body and "第三方独立评估" in body and AGENCY in body
    assert third.pk


def test_scoring_form_page_saves_and_refuses_outsiders(client_as, media_root):
    assessment = actions.start_assessment(make_subject("页面评分项目"), user("edu_reviewer"))
    score = assessment.scores.select_related("point").first()
    data = {
        "version": assessment.version,
        f"score_{score.point_id}": "7",
        f"finding_{score.point_id}": "符合目录",
        "summary": "总体可行",
        "suggestions": "细化指标",
    }
    response = client_as("edu_reviewer").post(f"/assessments/{assessment.pk}/save/", data)
    assert response.status_code == 302
    score.refresh_from_db()
    assert score.score == 7 and score.finding == "符合目录"
    upload = {"score": score.pk, "file": SimpleUploadedFile("目录截图.pdf", b"%PDF-1.4 test")}
    assert client_as("edu_reviewer").post(f"/assessments/{assessment.pk}/evidence/", upload).status_code == 302
    evidence = score.evidence.get()
    assert client_as("desk_edu").get(f"/assessments/{assessment.pk}/evidence/{evidence.pk}/").status_code == 200
    assert client_as("health_reviewer").get(f"/assessments/{assessment.pk}/evidence/{evidence.pk}/").status_code == 404
    # the unit preparer reads but may not save; outsiders get 404
    assert client_as("edu_preparer").post(f"/assessments/{assessment.pk}/save/", data).status_code == 404
    assert client_as("health_reviewer").post(f"/assessments/{assessment.pk}/save/", data).status_code == 404


def test_list_export_is_gated_and_audited(client_as):
    department_assessment(make_subject("导出测试项目"))
    response = client_as("desk_edu").get("/assessments/?export=xlsx")
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="assessments.assessment").exists()


def test_api_create_scores_submit_and_return(client_as):
    subject = make_subject("接口评估项目")
    reviewer = client_as("edu_reviewer")
    # outsiders cannot even name the subject
    assert (
        client_as("health_reviewer")
        .post("/api/assessments/", {"subject": subject.pk}, content_type="application/json")
        .status_code
        == 400
    )
    assert (
        client_as("edu_head")
        .post("/api/assessments/", {"subject": subject.pk}, content_type="application/json")
        .status_code
        == 403
    )
    # a third-party assessment is commissioned, never created
    refused = reviewer.post(
        "/api/assessments/", {"subject": subject.pk, "kind": "third_party"}, content_type="application/json"
    )
    assert refused.status_code == 400 and "委托" in refused.content.decode()
    created = reviewer.post("/api/assessments/", {"subject": subject.pk}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    scores = [{"point": s["point"], "score": str(s["weight"]), "finding": "好"} for s in body["scores"]]
    patched = reviewer.patch(
        f"/api/assessments/{body['id']}/",
        {"version": body["version"], "scores": scores, "summary": "论证充分"},
        content_type="application/json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["total_score"] == "100.00"
    submitted = reviewer.post(
        f"/api/assessments/{body['id']}/submit/",
        {"version": patched.json()["version"]},
        content_type="application/json",
    )
    assert submitted.status_code == 200 and submitted.json()["conclusion_display"] == "予以支持"
    returned = client_as("desk_edu").post(
        f"/api/assessments/{body['id']}/return/",
        {"version": submitted.json()["version"], "target_step": 0, "opinion": "请补充佐证材料"},
        content_type="application/json",
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
