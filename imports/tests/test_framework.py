"""The import framework on its own: the file, the header row, cell errors with their references,
progress, and all-or-nothing writing. A small importer of budget lines stands in for real ones."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest

from imports import framework
from imports.framework import Column, Importer, Issue, RowError
from imports.parsers import Date, Integer, Yuan
from imports.testing import xlsx_bytes
from organisations.choices import OrgKind
from organisations.models import Organisation, Region

pytestmark = pytest.mark.django_db

HEADERS = ["预算编码", "金额", "日期", "数量"]


class BudgetLineImporter(Importer):
    kind = "test_budget_lines"  # not registered: a test double
    title = "预算"
    sheet_name = "预算"
    columns = [
        Column("预算编码", "code", required=True, text=True),
        Column("金额", "amount", Yuan(), required=True),
        Column("日期", "day", Date()),
        Column("数量", "count", Integer(minimum=0)),
    ]

    def __init__(self, user=None, **kwargs):
        super().__init__(user, **kwargs)
        self.applied = []

    def validate_row(self, row):
        if row["code"] == "000":
            raise RowError("预算编码“000”不存在", "code")

    def apply_row(self, row):
        self.applied.append(row.values)
        if row["code"] == "boom":  # written, then refused: the whole import must roll back
            Organisation.objects.create(name="不应保留的机构", kind=OrgKind.AGENCY, region=Region.objects.first())
            raise RowError("写入时被拒绝", "code")
        return "created"


def run(content, **kwargs):
    importer = BudgetLineImporter()
    return importer, framework.run(importer, io.BytesIO(content), **kwargs)


def texts(result):
    return [str(i) for i in result.issues]


def test_good_rows_are_parsed_and_applied():
    importer, result = run(
        xlsx_bytes(
            HEADERS,
            [["101001", 1234.5, "2025年3月31日", 3], [101002, "2,000", datetime.date(2025, 1, 2), ""]],
            sheet="预算",
        )
    )
    assert result.ok, texts(result)
    assert result.summary() == {"total": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert importer.applied[0] == {
        "code": "101001",
        "amount": Decimal("1234.50"),
        "day": datetime.date(2025, 3, 31),
        "count": 3,
    }
    assert importer.applied[1]["code"] == "101002" and importer.applied[1]["count"] is None


def test_cell_errors_point_at_row_and_column_and_nothing_is_applied():
    importer, result = run(
        xlsx_bytes(
            HEADERS,
            [
                ["101001", 10, "2025-03-31", 1],
                ["101002", 12.345, "2025-03-31", 1],
                ["101003", 10, "2025-02-30", 1],
                ["101004", 10, "明天", 1.5],
                ["", 10, "", ""],
                ["000", 10, "", ""],
            ],
            sheet="预算",
        )
    )
    assert not result.ok and importer.applied == []
    assert texts(result) == [
        "第 3 行 B 列（金额）：金额“12.345”超过两位小数，请精确到分",
        "第 4 行 C 列（日期）：日期“2025-02-30”不存在（2025 年 2 月没有 30 日）",
        "第 5 行 C 列（日期）：“明天”不是日期，应写作 2025-03-31 或 2025年3月31日",
        "第 5 行 D 列（数量）：“1.5”不是整数，不能有小数",
        "第 6 行 A 列（预算编码）：必填，不能为空",
        "第 7 行 A 列（预算编码）：预算编码“000”不存在",
    ]
    assert result.issues[0].as_dict() == {
        "sheet": "预算",
        "row": 3,
        "column": "B",
        "header": "金额",
        "message": "金额“12.345”超过两位小数，请精确到分",
        "text": "第 3 行 B 列（金额）：金额“12.345”超过两位小数，请精确到分",
    }


def test_header_problems_are_named_and_rows_are_not_read():
    _, result = run(xlsx_bytes(["金额", "数量", "备注", "数量"], [[10, 1, "x", 2]], sheet="预算"))
    assert texts(result) == [
        "第 1 行 C 列（备注）：无法识别的列“备注”：请使用导入模板中的列名",
        "第 1 行 D 列（数量）：与 B 列重复",
        "缺少必填列“预算编码”（第 1 行为列名行）",
    ]


def test_columns_in_any_order_below_a_title_row_and_marked_required():
    content = xlsx_bytes(
        ["数量", "金额*", "预算编码（必填）"], [[2, "5", "101001"]], sheet="导入", above=[["2026 年预算导入"], []]
    )
    importer, result = run(content)
    assert result.ok, texts(result)
    assert importer.applied == [{"count": 2, "amount": Decimal("5.00"), "code": "101001"}]


def test_no_header_row_or_no_rows():
    _, result = run(xlsx_bytes(["甲", "乙"], [[1, 2]], sheet="预算"))
    assert "找不到列名行" in texts(result)[0]
    _, result = run(xlsx_bytes(HEADERS, [], sheet="预算"))
    assert texts(result) == ["工作表“预算”中没有数据行"]


def test_an_error_while_writing_rolls_every_row_back():
    before = Organisation.objects.count()
    importer, result = run(
        xlsx_bytes(HEADERS, [["101001", 1, "", ""], ["boom", 2, "", ""], ["101003", 3, "", ""]], sheet="预算")
    )
    assert texts(result) == ["第 3 行 A 列（预算编码）：写入时被拒绝"]
    assert len(importer.applied) == 3 and result.counts == {}
    assert Organisation.objects.count() == before


def test_progress_is_reported_while_checking():
    calls = []
    BudgetLineImporter.progress_every = 2
    try:
        _, result = run(
            xlsx_bytes(HEADERS, [[f"10100{i}", i, "", ""] for i in range(5)], sheet="预算"),
            progress=lambda *args: calls.append(args),
        )
    finally:
        BudgetLineImporter.progress_every = 50
    assert result.ok
    assert calls == [
        ("validate", 0, 5),
        ("validate", 2, 5),
        ("validate", 4, 5),
        ("validate", 5, 5),
        ("check", 0, 5),
        ("check", 2, 5),
        ("check", 4, 5),
        ("check", 5, 5),
        ("apply", 0, 5),
    ]


def _zip(parts: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"name,amount\n", "预算.xlsx", "“预算.xlsx”不是 Excel 工作簿：只支持 .xlsx 格式"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "预算.xlsx", "旧版 Excel（.xls）格式或设置了打开密码"),
        (b"PK\x03\x04 definitely not a zip", "预算.xlsx", "已损坏，无法打开"),
        (_zip({"word/document.xml": "<w/>"}), "预算.xlsx", "不是 Excel 工作簿（可能是 Word"),
        (xlsx_bytes(HEADERS, [["1", 1, "", ""]]), "预算.csv", "扩展名不是 .xlsx"),
        (b"", "预算.xlsx", "文件是空的"),
    ],
)
def test_files_that_are_not_xlsx_are_refused(content, name, message):
    with pytest.raises(framework.ImportFileError, match=message):
        framework.check_upload(io.BytesIO(content), name, len(content))


def test_too_large_files_are_refused(settings):
    settings.JIXIAO_MAX_UPLOAD_BYTES = 2048
    content = xlsx_bytes(HEADERS, [["1", 1, "", ""]])
    with pytest.raises(framework.ImportFileError, match=r"超过上限 2 KB，请拆分"):
        framework.check_upload(io.BytesIO(content), "预算.xlsx", len(content))


def test_an_unreadable_workbook_is_reported_not_raised():
    broken = _zip({"xl/workbook.xml": "<not-a-workbook", "[Content_Types].xml": "<x/>"})
    _, result = run(broken)
    assert len(result.issues) == 1 and "无法读取" in str(result.issues[0])


def test_issue_text_without_a_column():
    assert str(Issue("出错了", "机构", 5)) == "第 5 行：出错了"
    assert str(Issue("出错了", "机构", 5, "", "上级机构名称")) == "第 5 行（上级机构名称）：出错了"
    assert str(Issue("缺少列")) == "缺少列"


def test_template_has_the_data_sheet_notes_and_an_example():
    from imports.testing import read_xlsx

    sheets = read_xlsx(BudgetLineImporter().template_bytes())
    assert list(sheets) == ["预算", "填写说明", "示例"]
    assert sheets["预算"] == [HEADERS]
    assert sheets["填写说明"][1][:3] == ["预算编码", "必填", "文字"]
    assert any("全部成功或全部不写入" in str(row[0]) for row in sheets["填写说明"])
    assert sheets["示例"][0] == HEADERS
