"""Import and export of the organisation tree from/to Excel: row-level errors, all-or-nothing,
background job with progress, the system administrator only, within reach."""

import pytest

from audit.models import AuditAction, AuditEntry
from imports.models import ImportJob, ImportStatus
from imports.tasks import run_import
from imports.testing import read_xlsx, upload, xlsx_bytes
from organisations.importers import OrganisationImporter
from organisations.models import Organisation

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in OrganisationImporter.columns]
CITY = "990100"


def org_row(name, kind, code="", parent_code="", parent_name="", **extra):
    row = {
        "机构名称": name,
        "机构类型": kind,
        "行政区划代码": CITY,
        "预算编码": code,
        "上级预算编码": parent_code,
        "上级机构名称": parent_name,
        "启用": "是",
    }
    row.update(extra)
    return row


def post_import(client, content, url="/organisations/import/", name="机构.xlsx"):
    response = client.post(url, {"file": upload(content, name)})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return ImportJob.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def changes_outside_imports():
    return AuditEntry.objects.filter(action__in=[AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DELETE]).count()


@pytest.fixture
def admin(client_as, immediate_tasks):
    return client_as("sysadmin")


def test_a_good_file_creates_and_updates_with_an_audit_row_per_record(admin):
    # Given a new department listed *after* its unit, and a new phone number for the education bureau
    edu = Organisation.objects.get(name="示范市教育局")
    rows = [
        org_row("示范市新建中学", "预算单位", "130002", parent_code="130"),
        org_row("示范市新建局", "主管部门", "130", 简称="新建局", 联系电话="0531-1234567"),
        org_row(edu.name, "主管部门", edu.budget_code, 简称=edu.short_name, 联系电话="0531-88888888"),
    ]
    # When the system administrator imports it
    job = post_import(admin, xlsx_bytes(HEADERS, rows, sheet="机构"))
    # Then both are created, parent first, and the bureau is updated
    assert job.status == ImportStatus.SUCCEEDED, job.errors
    assert job.summary == {"total": 3, "created": 2, "updated": 1, "unchanged": 0}
    assert (job.total_rows, job.processed_rows) == (3, 3)
    dept = Organisation.objects.get(name="示范市新建局", budget_code="130")
    school = Organisation.objects.get(name="示范市新建中学")
    assert school.parent == dept and school.department == dept and school.path.startswith(dept.path)
    assert dept.phone == "0531-1234567" and dept.short_name == "新建局"
    edu.refresh_from_db()
    assert edu.phone == "0531-88888888"
    # And every row is audited, as is the import itself
    for org, action in [(dept, AuditAction.CREATE), (school, AuditAction.CREATE), (edu, AuditAction.UPDATE)]:
        entry = AuditEntry.objects.get(object_type="organisations.organisation", object_id=str(org.pk), action=action)
        assert entry.actor.username == "sysadmin" and f"导入任务 #{job.pk}" in entry.reason
    assert AuditEntry.objects.get(
        action=AuditAction.UPDATE, object_type="organisations.organisation", object_id=str(edu.pk)
    ).changes == {"联系电话": ["", "0531-88888888"]}
    assert AuditEntry.objects.filter(
        action=AuditAction.IMPORT, object_type="imports.importjob", object_id=str(job.pk)
    ).exists()
    page = admin.get(job.get_absolute_url()).content.decode()
    assert "导入成功" in page and "新增 2 条，更新 1 条" in page and 'hx-trigger="every 1s"' not in page


def test_one_bad_row_among_good_ones_changes_nothing_and_names_the_cell(admin):
    before_orgs, before_changes = Organisation.objects.count(), changes_outside_imports()
    rows = [
        org_row("示范市新建局", "主管部门", "130"),
        org_row("示范市新设局", "局", "131"),
        org_row("示范市新建中学", "预算单位", "13A002", parent_code="130"),
        org_row("示范市新建小学", "预算单位", "130003", parent_code="130", 启用="也许"),
    ]
    job = post_import(admin, xlsx_bytes(HEADERS, rows, sheet="机构"))
    assert job.status == ImportStatus.FAILED
    texts = [e["text"] for e in job.errors]
    assert texts == [
        "第 3 行 C 列（机构类型）：“局”不是可选的值，可填：财政局、财政局科室、主管部门、预算单位、审计部门、乡镇财政所、"
        "第三方机构、承接主体、人民政府",
        "第 4 行 H 列（预算编码）：预算编码只能包含数字",
        "第 5 行 L 列（启用）：“也许”无法识别，请填“是”或“否”",
    ]
    assert Organisation.objects.count() == before_orgs and changes_outside_imports() == before_changes
    page = admin.get(job.get_absolute_url()).content.decode()
    assert "未写入任何数据" in page and "预算编码只能包含数字" in page


def test_an_error_found_while_writing_rolls_back_the_rows_already_written(admin):
    # The unit's parent is another new row, so the unit is checked when written, after its parent.
    before_orgs, before_changes = Organisation.objects.count(), changes_outside_imports()
    rows = [
        org_row("示范市新建中学", "预算单位", "130002", parent_name="示范市某审计分局"),
        org_row("示范市某审计分局", "审计部门"),
    ]
    job = post_import(admin, xlsx_bytes(HEADERS, rows, sheet="机构"))
    assert [e["text"] for e in job.errors] == [
        "第 2 行 G 列（上级预算编码）：预算单位的上级机构必须是主管部门或另一预算单位"
    ]
    assert Organisation.objects.count() == before_orgs and changes_outside_imports() == before_changes


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (
            [org_row("示范市新建中学", "预算单位", "130002", parent_code="999")],
            "第 2 行 G 列（上级预算编码）：上级预算编码“999”不存在或不在您的管理范围内：请先导入上级机构，或把它加入本文件",
        ),
        (
            [org_row("示范市新建中学", "预算单位", "130002", parent_name="不存在的局")],
            "第 2 行 F 列（上级机构名称）：上级机构“不存在的局”不存在或不在您的管理范围内",
        ),
        (
            [org_row("示范市新建局", "主管部门", "130", 行政区划代码="123456")],
            "第 2 行 E 列（行政区划代码）：行政区划代码“123456”不存在或不在您的管理范围内",
        ),
        (
            [
                org_row("甲单位", "预算单位", "130001", parent_code="130002"),
                org_row("乙单位", "预算单位", "130002", parent_code="130001"),
            ],
            "第 2 行 G 列（上级预算编码）：上级机构关系形成循环（第 2、3 行）",
        ),
        (
            [org_row("示范市新建局", "主管部门", "130"), org_row("示范市新建局二", "主管部门", "130")],
            "第 3 行 H 列（预算编码）：与第 2 行重复：同一行政区划内预算编码“130”只能出现一次",
        ),
        (
            [org_row("示范市新建中学", "预算单位", "130002", parent_code="101", parent_name="示范市卫生健康委员会")],
            "第 2 行 F 列（上级机构名称）：上级预算编码“101”对应的机构是“示范市教育局”，与上级机构名称“示范市卫生健康委员会”不一致",
        ),
    ],
)
def test_references_that_cannot_be_resolved(admin, rows, expected):
    before = Organisation.objects.count()
    job = post_import(admin, xlsx_bytes(HEADERS, rows, sheet="机构"))
    assert job.status == ImportStatus.FAILED
    assert expected in job.errors[0]["text"]
    assert Organisation.objects.count() == before


def test_missing_and_unknown_headers(admin):
    headers = [h for h in HEADERS if h != "机构类型"] + ["机构地址"]
    job = post_import(admin, xlsx_bytes(headers, [["示范市新建局"]], sheet="机构"))
    assert [e["text"] for e in job.errors] == [
        "第 1 行 L 列（机构地址）：无法识别的列“机构地址”：请使用导入模板中的列名",
        "缺少必填列“机构类型”（第 1 行为列名行）",
    ]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"this is a text file", "机构.xlsx", "不是 Excel 工作簿"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 600, "机构.xls", "旧版 Excel（.xls）"),
        (xlsx_bytes(HEADERS, []), "机构.txt", "扩展名不是 .xlsx"),
    ],
)
def test_wrong_file_types_are_refused_on_the_page(admin, content, name, message):
    response = admin.post("/organisations/import/", {"file": upload(content, name)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_too_large_a_file_is_refused(admin, settings):
    settings.JIXIAO_MAX_UPLOAD_BYTES = 2048
    response = admin.post("/organisations/import/", {"file": upload(xlsx_bytes(HEADERS, [org_row("甲", "主管部门")]))})
    assert "超过上限 2 KB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_forged_request_without_csrf_token_is_refused(persona, media_root):
    from conftest import login_client

    client = login_client(persona("sysadmin"))
    client.handler.enforce_csrf_checks = True
    response = client.post("/organisations/import/", {"file": upload(xlsx_bytes(HEADERS, []))})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_export_then_reimport_changes_nothing(admin):
    response = admin.get("/organisations/export/")
    assert response.status_code == 200
    sheets = read_xlsx(response.content)
    in_reach = Organisation.objects.filter(region__path__startswith="/990000/990100/").count()
    assert sheets["机构"][0] == HEADERS and len(sheets["机构"]) - 1 == in_reach
    export_entry = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert f"导出机构树（{in_reach} 行" in export_entry.object_repr
    before_orgs, before_changes = Organisation.objects.count(), changes_outside_imports()

    job = post_import(admin, response.content)
    assert job.status == ImportStatus.SUCCEEDED, job.errors[:3]
    assert job.summary == {"total": in_reach, "created": 0, "updated": 0, "unchanged": in_reach}
    assert Organisation.objects.count() == before_orgs and changes_outside_imports() == before_changes


def test_template_download(admin):
    response = admin.get("/organisations/import/template/")
    sheets = read_xlsx(response.content)
    assert list(sheets) == ["机构", "填写说明", "示例"]
    assert sheets["机构"] == [HEADERS]
    assert sheets["示例"][1][:3] == ["示范市教育局", "示范教育", "主管部门"]


@pytest.mark.parametrize("username", ["perf", "edu_reviewer", "secadmin", "auditadmin", "leader"])
def test_only_the_system_administrator_imports_and_exports(client_as, immediate_tasks, username):
    client = client_as(username)
    for url in ["/organisations/import/", "/organisations/import/template/", "/organisations/export/"]:
        assert client.get(url).status_code == 404, url
    content = xlsx_bytes(HEADERS, [org_row("示范市新建局", "主管部门", "130")], sheet="机构")
    assert client.post("/organisations/import/", {"file": upload(content)}).status_code == 404
    response = client.post("/api/imports/", {"kind": "organisations", "file": upload(content)})
    assert response.status_code == 404
    assert not ImportJob.objects.exists() and not Organisation.objects.filter(name="示范市新建局").exists()
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED).exists()


def test_list_page_offers_import_export_and_template_to_the_administrator(client_as):
    page = client_as("sysadmin").get("/organisations/").content.decode()
    for url in ["/organisations/import/", "/organisations/export/", "/organisations/import/template/"]:
        assert url in page
    assert "/organisations/import/" not in client_as("perf").get("/organisations/").content.decode()


def test_the_job_runs_in_the_background_and_shows_progress(client_as, media_root, monkeypatch):
    # With the database task backend (as in production) the upload only queues the job.
    from django_tasks_db.models import DBTaskResult

    admin = client_as("sysadmin")
    rows = [org_row(f"示范市新建局{i}", "主管部门", f"{130 + i}") for i in range(5)]
    job = post_import(admin, xlsx_bytes(HEADERS, rows, sheet="机构"))
    assert job.status == ImportStatus.PENDING and job.task_id
    assert DBTaskResult.objects.filter(id=job.task_id, task_path="imports.tasks.run_import").exists()
    page = admin.get(f"/imports/jobs/{job.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "排队等待" in page

    # The worker runs it; progress is written (and readable by the polling page) while rows are checked.
    seen = []

    def spy(hook):
        original = getattr(OrganisationImporter, hook)

        def wrapper(self, row):
            seen.append(ImportJob.objects.values_list("phase", "processed_rows", "total_rows").get(pk=job.pk))
            return original(self, row)

        monkeypatch.setattr(OrganisationImporter, hook, wrapper)

    spy("validate_row")
    spy("check_row")
    monkeypatch.setattr(OrganisationImporter, "progress_every", 2)
    run_import.call(job.pk)
    assert seen == [
        ("validate", 0, 5),
        ("validate", 0, 5),
        ("validate", 2, 5),
        ("validate", 2, 5),
        ("validate", 4, 5),
        ("check", 0, 5),
        ("check", 0, 5),
        ("check", 2, 5),
        ("check", 2, 5),
        ("check", 4, 5),
    ]
    job.refresh_from_db()
    assert job.status == ImportStatus.SUCCEEDED and (job.processed_rows, job.total_rows) == (5, 5)
    assert job.started_at and job.finished_at and job.file  # the organisation file is kept
    page = admin.get(f"/imports/jobs/{job.pk}/progress/").content.decode()
    assert "hx-trigger" not in page and "新增 5 条" in page
    # A task delivered twice runs once.
    assert run_import.call(job.pk) == {"job": job.pk, "skipped": True}


def test_a_job_is_seen_only_by_its_uploader(admin, client_as):
    job = post_import(admin, xlsx_bytes(HEADERS, [org_row("示范市新建局", "主管部门", "130")], sheet="机构"))
    other = client_as("secadmin")
    assert other.get(f"/imports/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/imports/jobs/{job.pk}/progress/").status_code == 404
    assert other.get(f"/api/imports/{job.pk}/").status_code == 404
    assert admin.get(f"/api/imports/{job.pk}/").json()["status"] == "succeeded"


def test_api_upload_and_poll(admin):
    content = xlsx_bytes(HEADERS, [org_row("示范市新建局", "主管部门", "130")], sheet="机构")
    response = admin.post("/api/imports/", {"kind": "organisations", "file": upload(content)})
    assert response.status_code == 201, response.content
    job = response.json()
    assert job["status"] == "succeeded" and job["summary"]["created"] == 1 and job["percent"] == 100
    polled = admin.get(f"/api/imports/{job['id']}/").json()
    assert polled["processed_rows"] == polled["total_rows"] == 1
    bad = admin.post("/api/imports/", {"kind": "organisations", "file": upload(b"not excel")})
    assert bad.status_code == 400 and "不是 Excel 工作簿" in bad.json()["file"][0]
    unknown = admin.post("/api/imports/", {"kind": "projects", "file": upload(content)})
    assert unknown.status_code == 400 and "kind" in unknown.json()


def test_a_county_administrator_imports_and_exports_only_within_the_county():
    import io

    from accounts.models import RoleAssignment, User
    from accounts.roles import Role
    from imports import framework
    from imports.testing import read_xlsx

    bureau = Organisation.objects.get(name="示范市中区财政局")
    county_admin = User.objects.create(username="county_sysadmin", name="区县系统管理员", organisation=bureau)
    RoleAssignment.objects.create(user=county_admin, role=Role.SYSTEM_ADMIN, organisation=bureau)
    county_admin = User.objects.get(pk=county_admin.pk)

    exported = read_xlsx(OrganisationImporter(county_admin).export()[0])["机构"][1:]
    county_regions = {r.code for r in bureau.region.subtree()}
    assert exported and {row[HEADERS.index("行政区划代码")] for row in exported} <= county_regions
    assert "示范市教育局" not in {row[0] for row in exported}

    rows = [
        org_row("示范市新建局", "主管部门", "130"),  # the city is outside the county administrator's reach
        org_row("示范市中区新建中学", "预算单位", "130002", parent_name="示范市教育局", 行政区划代码="990102"),
    ]
    importer = OrganisationImporter(county_admin)
    result = framework.run(importer, io.BytesIO(xlsx_bytes(HEADERS, rows, sheet="机构")))
    assert [str(i) for i in result.issues] == [
        "第 2 行 E 列（行政区划代码）：行政区划代码“990100”不存在或不在您的管理范围内",
        "第 3 行 F 列（上级机构名称）：上级机构“示范市教育局”不存在或不在您的管理范围内："
        "请先导入上级机构，或把它加入本文件",
    ]
