"""The templates are data (migration 0002), versioned, with weights summing to 100."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from assessments import actions
from assessments.choices import AppliesTo, Conclusion
from assessments.models import AssessmentTemplate
from assessments.tests.helpers import department_assessment, fresh, make_subject, user, walk

pytestmark = pytest.mark.django_db


def points_of(applies_to):
    template = actions.active_template(applies_to)
    return template, template.ordered_points()


def test_seed_000_article_10_purchased_service_template_four_dimensions_with_sub_points_sum_100():
    template, points = points_of(AppliesTo.PURCHASED_SERVICE)
    assert [d for d in dict.fromkeys(p.dimension for p in points)] == ["必要性", "可行性", "经济性", "合理性"]
    assert sum(p.weight for p in points) == Decimal("100") and template.weight_problems() == []
    names = [p.name for p in points]
    # (一) 指导性目录、发展规划目标、职责范围与负面清单; (二) 采购方式、管理制度、合同条款 …
    assert {
        "符合政府购买服务指导性目录",
        "采购方式选择",
        "综合服务成本与市场价格相符",
        "具备预期满意度的基本要素条件",
    } <= set(names)
    assert all("《政府购买服务预算绩效管理暂行办法》第十条" in p.guidance for p in points)  # seed 000 第十条
    assert (template.support_min, template.improve_min) == (Decimal("80"), Decimal("60"))


def test_seed_001_article_8_general_template_five_dimensions_sum_100():
    _template, points = points_of(AppliesTo.GENERAL)
    assert list(dict.fromkeys(p.dimension for p in points)) == [
        "立项必要性",
        "投入经济性",
        "绩效目标合理性",
        "实施方案可行性",
        "筹资合规性",
    ]
    assert sum(p.weight for p in points) == Decimal("100")
    assert all("《部门单位预算绩效管理办法》第八条" in p.guidance for p in points)  # seed 001 第八条


def new_points(template, weights=None):
    points = [
        {"dimension": p.dimension, "name": p.name, "weight": p.weight, "guidance": p.guidance}
        for p in template.ordered_points()
    ]
    for point, weight in zip(points, weights or [], strict=False):
        point["weight"] = weight
    return points


def test_new_version_must_keep_weights_at_100_and_only_the_top_performance_section_edits():
    template = actions.active_template(AppliesTo.GENERAL)
    with pytest.raises(ValidationError, match="合计应为 100"):
        actions.new_template_version(template, user("perf"), points=new_points(template, [20]))
    for username in ("county_perf", "desk_edu", "edu_reviewer", "sysadmin"):
        with pytest.raises(PermissionDenied):
            actions.new_template_version(template, user(username), points=new_points(template))


def test_a_new_version_with_other_thresholds_changes_new_conclusions_not_started_ones():
    # Given a department assessment started on version 1 scoring 82 (0.82 of every weight)
    template = actions.active_template(AppliesTo.PURCHASED_SERVICE)
    first = department_assessment(make_subject("版本一项目"), fraction="0.82")
    # When the performance section raises the 予以支持 line to 85 in a new version
    v2 = actions.new_template_version(
        template,
        user("perf"),
        points=new_points(template),
        support_min=Decimal("85"),
        improve_min=Decimal("70"),
        reason="提高标准",
    )
    assert v2.version == template.version + 1 and v2.is_active
    assert not AssessmentTemplate.objects.get(pk=template.pk).is_active
    assert actions.active_template(AppliesTo.PURCHASED_SERVICE) == v2
    second = department_assessment(make_subject("版本二项目"), fraction="0.82")
    # Then the first keeps version 1 (予以支持), the second follows version 2 (完善后予以支持)
    first, second = walk(first), walk(second)
    assert first.template_id == template.pk and first.conclusion == Conclusion.SUPPORT
    assert second.template_id == v2.pk and second.conclusion == Conclusion.IMPROVE
    assert fresh(first).total_score == fresh(second).total_score == Decimal("82.00")


def test_templates_pages_and_api_readable_by_every_signed_in_user(client_as):
    template = actions.active_template(AppliesTo.GENERAL)
    for username in ("edu_preparer", "agency", "auditor"):
        client = client_as(username)
        assert client.get("/assessments/templates/").status_code == 200
        page = client.get(f"/assessments/templates/{template.pk}/")
        assert page.status_code == 200 and "立项必要性" in page.content.decode()
        api = client.get(f"/api/assessment-templates/{template.pk}/")
        assert api.status_code == 200 and len(api.json()["points"]) == len(template.ordered_points())
