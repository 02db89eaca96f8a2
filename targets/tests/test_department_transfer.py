"""部门整体绩效目标 (common indicators finance requires) and 转移支付 区域分解, through the real actions, pages
and API."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from indicators.models import Indicator
from organisations.models import Organisation, Region
from subjects.tests.helpers import user
from targets import actions
from targets.models import RegionalTarget
from targets.tests.helpers import GOOD_DATA, GOOD_INDICATORS, GOOD_STAGES, fresh, library_subject
from workflow import actions as workflow

pytestmark = pytest.mark.django_db

DEPT = "示范市教育局"


def common_set(by="perf", codes=("GX01", "GX02"), year=2026):
    items = [
        {
            "indicator": Indicator.objects.get(code=code),
            "level1": "output",
            "level2": "quantity",
            "comparator": "ge",
            "unit": "项",
        }
        for code in codes
    ]
    return actions.save_common_set(
        user(by), user(by).role_assignments()[0].organisation.region, year, items, note="测试"
    )


def overall_subject(name="教育局部门整体支出", kind="department_overall"):
    return library_subject(name, kind=kind, organisation=Organisation.objects.get(name=DEPT))


def test_common_set_is_versioned_and_only_the_performance_section_sets_it():
    """张店区《区级部门单位预算绩效管理办法》第十二条（二）: 共性指标按区财政部门规定设置."""
    with pytest.raises(PermissionDenied):
        common_set(by="edu_reviewer")
    first = common_set(codes=("GX01",))
    second = common_set()
    assert second.number == first.number + 1 and second.items.count() == 2
    assert actions.common_set_for(Organisation.objects.get(name=DEPT), 2026) == second
    assert AuditEntry.objects.filter(object_type="targets.commonindicatorset", object_id=str(second.pk)).exists()
    with pytest.raises(ValidationError):
        actions.save_common_set(
            user("perf"),
            second.region,
            2026,
            [{"indicator": Indicator.objects.exclude(kind="common").first(), "level1": "output", "level2": "quantity"}],
        )


def test_department_reviewer_prepares_department_overall_sheet_with_required_common_indicators():
    """第十二条（二）: 区业务主管部门……合理确定部门整体绩效目标；整体绩效指标包括共性指标和个性指标."""
    common_set()
    subject = overall_subject()
    with pytest.raises(PermissionDenied):
        actions.create_sheet(subject, user("edu_preparer"), 2026)
    assert actions.can_create(user("edu_reviewer"), subject)
    sheet = actions.create_sheet(subject, user("edu_reviewer"), 2026)
    assert (
        sheet.current_role == "dept_reviewer" and sheet.chain.document_type == "targets.targetsheet.department_overall"
    )
    required = list(sheet.indicators.filter(is_common_required=True))
    assert len(required) == 2 and all(i.target_value == "" for i in required)
    assert any(f["rule"] == "common_required" and f["severity"] == "blocking" for f in fresh(sheet).findings)
    # the department cannot delete them …
    with pytest.raises(ValidationError, match="不能删除"):
        actions.save_sheet(
            sheet,
            user("edu_reviewer"),
            fresh(sheet).version,
            data=GOOD_DATA,
            indicators=GOOD_INDICATORS,
            stages=GOOD_STAGES,
        )
    # … but fills their values next to its own indicators
    rows = [
        {
            **{k: getattr(i, k) for k in actions.INDICATOR_FIELDS},
            "library_indicator": i.library_indicator_id,
            "target_value": "3",
            "weight": Decimal("0"),
        }
        for i in required
    ]
    sheet = actions.save_sheet(
        fresh(sheet),
        user("edu_reviewer"),
        fresh(sheet).version,
        data=GOOD_DATA,
        indicators=[*rows, *GOOD_INDICATORS],
        stages=GOOD_STAGES,
    )
    assert not [f for f in sheet.findings if f["rule"] == "common_required"]
    assert fresh(sheet).indicators.filter(is_common_required=True).count() == 2
    workflow.submit(sheet, user("edu_reviewer"), sheet.version)
    assert fresh(sheet).current_role == "finance_desk"


def test_department_reviewer_can_open_the_create_page_for_the_overall_subject(client_as):
    subject = overall_subject("页面部门整体支出")
    body = client_as("edu_reviewer").get("/targets/new/").content.decode()
    assert "页面部门整体支出" in body
    assert "页面部门整体支出" not in client_as("edu_preparer").get("/targets/new/").content.decode()
    assert (
        client_as("edu_reviewer").post("/targets/new/", {"subject": subject.pk, "fiscal_year": 2026}).status_code == 302
    )


def transfer_sheet():
    subject = overall_subject("教育转移支付资金", kind="transfer_overall")
    sheet = actions.create_sheet(subject, user("edu_reviewer"), 2026)
    return actions.save_sheet(
        sheet, user("edu_reviewer"), sheet.version, data=GOOD_DATA, indicators=GOOD_INDICATORS, stages=GOOD_STAGES
    )


def _values(sheet, area, quality="100"):
    by_name = {i.name: i.pk for i in sheet.indicators.all()}
    return {
        by_name[name]: value
        for name, value in (
            ("维修校舍面积", area),
            ("工程验收合格率", quality),
            ("按期完工率", "95"),
            ("维修改造成本", "20"),
            ("消除校舍安全隐患", "达到预期"),
            ("师生满意度", "90"),
        )
    }


def test_transfer_decomposition_every_region_below_and_quantities_add_up():
    """张店区《区对下转移支付资金预算绩效管理办法》第十五条（二）: 将整体绩效目标分解为各区域绩效目标；第十七条."""
    sheet = transfer_sheet()
    regions = list(actions.regions_below(sheet))
    assert len(regions) >= 2 and all(r.parent_id == sheet.subject.organisation.region_id for r in regions)
    assert any(f["rule"] == "regional_coverage" for f in sheet.findings)
    rows = [{"region": r.pk, "amount": Decimal("100000"), "values": _values(sheet, "1000")} for r in regions]
    sheet = actions.save_regional(sheet, user("edu_reviewer"), rows)
    total = 1000 * len(regions)
    sums = [f for f in sheet.findings if f["rule"] == "regional_sum"]
    assert not [f for f in sheet.findings if f["rule"] == "regional_coverage"]
    assert (len(sums) == 1 and "维修校舍面积" in sums[0]["message"]) == (total != 3000)
    share = [str(3000 - 1000 * (len(regions) - 1))] + ["1000"] * (len(regions) - 1)
    rows = [{"region": r.pk, "amount": None, "values": _values(sheet, v)} for r, v in zip(regions, share, strict=True)]
    sheet = actions.save_regional(sheet, user("edu_reviewer"), rows)
    assert not [f for f in sheet.findings if f["rule"].startswith("regional_")]
    assert (
        AuditEntry.objects.filter(object_id=str(sheet.pk), changes__has_key="区域绩效目标").exists()
        or AuditEntry.objects.filter(object_id=str(sheet.pk), action="update").exists()
    )
    with pytest.raises(ValidationError, match="数值"):
        actions.save_regional(
            sheet,
            user("edu_reviewer"),
            [{"region": regions[0].pk, "values": {sheet.indicators.get(name="维修校舍面积").pk: "很多"}}],
        )
    with pytest.raises(PermissionDenied):
        actions.save_regional(sheet, user("desk_edu"), rows)


def test_regional_grid_editable_then_read_only_and_region_finance_sees_its_rows(client_as):
    sheet = transfer_sheet()
    regions = list(actions.regions_below(sheet))
    client = client_as("edu_reviewer")
    body = client.get(f"/targets/{sheet.pk}/").content.decode()
    assert 'id="regional"' in body
    grid = client.get(f"/targets/{sheet.pk}/regional/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="regional-form"' in grid and f'name="v-{regions[0].pk}-' in grid
    data = {f"amount-{r.pk}": "50000" for r in regions}
    first = regions[0]
    for pk, value in _values(sheet, "3000").items():
        data[f"v-{first.pk}-{pk}"] = value
    response = client.post(f"/targets/{sheet.pk}/regional/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and RegionalTarget.objects.filter(sheet=sheet).count() == len(regions)
    # desk reviewer: read-only grid; a POST is refused
    assert 'name="amount-' not in client_as("desk_edu").get(f"/targets/{sheet.pk}/regional/").content.decode()
    assert client_as("desk_edu").post(f"/targets/{sheet.pk}/regional/", data).status_code == 404
    # the county's performance section sees its county's row (REGION_SUBTREE), not the overall sheet
    county = Region.objects.get(pk=user("county_perf").role_assignments()[0].organisation.region_id)
    county_rows = client_as("county_perf").get("/api/target-regional/").json()
    rows = county_rows["results"] if isinstance(county_rows, dict) else county_rows
    assert {r["region_code"] for r in rows} == {county.code}
    assert client_as("county_perf").get(f"/targets/{sheet.pk}/").status_code == 404
    assert client_as("health_reviewer").get("/api/target-regional/").json() in (
        [],
        {"count": 0, "next": None, "previous": None, "results": []},
    )
    # API write of the decomposition by the preparer
    response = client.post(
        f"/api/target-sheets/{sheet.pk}/regional/",
        [{"region": first.pk, "amount": "60000", "values": {}}],
        content_type="application/json",
    )
    assert response.status_code == 200 and any(r["amount"] == "60000.00" for r in response.json())
