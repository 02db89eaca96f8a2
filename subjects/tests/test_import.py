"""Excel import of subjects: template from the page, cell-precise Chinese errors, all or nothing."""

import pytest

from imports.framework import run
from imports.testing import read_xlsx, upload, xlsx_bytes
from subjects.importers import SubjectImporter
from subjects.models import Subject, SubjectYearAmount
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in SubjectImporter.columns]


def row(**overrides) -> dict:
    values = {
        "项目名称": "导入的校舍维修",
        "单位预算编码": "101002",
        "项目类别": "项目",
        "申报年度": 2026,
        "起始年度": 2026,
        "终止年度": 2026,
        "项目期限": "一次性",
        "新增项目": "否",
        "预算类别": "一般公共预算",
        "资金来源": "本级、上级转移支付",
        "功能科目编码": "2050203",
        "项目类型": "行政事业发展类",
        "项目子类型": "维修（护）",
        "开始日期": "2026-03-01",
        "结束日期": "2026-11-30",
        "立项依据": "办法",
        "本年度申请金额": "80000.50",
    }
    values.update(overrides)
    return values


def import_rows(username, rows):
    content = xlsx_bytes(HEADERS, rows, sheet="项目")
    return run(SubjectImporter(user(username)), upload(content))


def test_template_downloads_from_the_page(client_as):
    response = client_as("edu_preparer").get("/subjects/import/template/")
    assert response.status_code == 200
    sheets = read_xlsx(response.content)
    assert sheets["项目"][0][:3] == ["项目名称", "单位预算编码", "项目类别"]
    assert client_as("perf").get("/subjects/import/template/").status_code == 404


def test_good_rows_create_drafts_with_their_money():
    before = Subject.objects.count()
    result = import_rows("edu_preparer", [row(), row(项目名称="导入的教师培训", 项目子类型="会议（培训）")])
    assert result.ok, [str(i) for i in result.issues]
    assert Subject.objects.count() == before + 2
    subject = Subject.objects.get(name="导入的校舍维修")
    assert subject.organisation.name == "示范市第一中学" and subject.status == "draft"
    assert subject.fund_sources == ["local", "upper_transfer"]
    assert str(SubjectYearAmount.objects.get(subject=subject).requested_amount) == "80000.50"


def test_one_bad_row_changes_nothing_and_errors_point_at_cells():
    before = Subject.objects.count()
    result = import_rows(
        "edu_preparer",
        [
            row(项目名称="好的一行"),
            row(项目名称="坏的一行", 功能科目编码="2050", 项目子类型="新建", 资金来源="本级、彩票"),
            row(项目名称="别人的单位", 单位预算编码="102002"),
        ],
    )
    assert not result.ok and Subject.objects.count() == before
    texts = [str(i) for i in result.issues]
    assert any(t.startswith("第 3 行 J 列（资金来源）") and "彩票" in t for t in texts), texts
    assert any(t.startswith("第 4 行 B 列（单位预算编码）") and "不在您的填报范围内" in t for t in texts), texts
    assert not Subject.objects.filter(name="好的一行").exists()


def test_model_rule_errors_point_at_their_cells():
    result = import_rows("edu_preparer", [row(功能科目编码="2050", 项目子类型="新建")])
    texts = [str(i) for i in result.issues]
    assert any(t.startswith("第 2 行 K 列（功能科目编码）") for t in texts), texts
    assert any(t.startswith("第 2 行 M 列（项目子类型）") for t in texts), texts


def test_department_reviewer_imports_for_the_departments_units_only():
    assert import_rows("edu_reviewer", [row(项目名称="主管部门导入")]).ok
    assert not import_rows("health_reviewer", [row(项目名称="卫健导入教育")]).ok
    assert not SubjectImporter.allowed(user("perf")) and not SubjectImporter.allowed(user("budget"))


def test_upload_page_for_preparers_only(client_as, immediate_tasks):
    assert client_as("budget").get("/subjects/import/").status_code == 404
    client = client_as("edu_preparer")
    response = client.post(
        "/subjects/import/", {"file": upload(xlsx_bytes(HEADERS, [row(项目名称="页面导入")], sheet="项目"))}
    )
    assert response.status_code == 302
    assert Subject.objects.filter(name="页面导入").exists()
