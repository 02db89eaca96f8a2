"""Uploads are checked by content (magic bytes), not by name: a program or a web page named .pdf, .docx, .xlsx or
.csv is refused with a message saying what it really is, on the pages and on the API (issue 17 §7)."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.files import validate_upload_content

ATTACHMENTS = ["pdf", "ofd", "doc", "docx", "wps", "xls", "xlsx", "et", "zip", "jpg", "png"]
ATTACHMENT_LABEL = "PDF、OFD、Word、WPS、Excel、ZIP 压缩包 或 图片（JPG、PNG）"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"This program cannot be run in DOS mode"
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(document.cookie)</script></body></html>"


def docx_bytes() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    document = Document()
    document.add_paragraph("工作计划")
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def image_bytes(fmt: str) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format=fmt)
    return buffer.getvalue()


def zip_bytes(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GB18030_CSV = "支付凭证号,项目编码,金额\nPZ001,XM2026-00001,100.00\n".encode("gb18030")


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("报告.pdf", PDF),
        ("计划.docx", docx_bytes()),
        ("预算.xlsx", xlsx_bytes()),
        ("旧版.doc", OLE),
        ("旧版.xls", OLE),
        ("金山.wps", OLE),
        ("金山.et", OLE),
        ("另存的.doc", docx_bytes()),  # a newer Word file with the old extension opens all the same
        ("电子凭证.ofd", zip_bytes({"OFD.xml": "<ofd:OFD/>", "Doc_0/Document.xml": "<x/>"})),
        ("材料.zip", zip_bytes({"说明.txt": "材料"})),
        ("照片.jpg", image_bytes("JPEG")),
        ("截图.png", image_bytes("PNG")),
    ],
)
def test_real_attachments_pass(name, content):
    validate_upload_content(upload(name, content), allowed=ATTACHMENTS)


@pytest.mark.parametrize(
    "content",
    [GB18030_CSV, "\ufeff支付凭证号,金额\n1,2\n".encode(), "支付凭证号,金额\n".encode("utf-16")],
    ids=["gb18030", "utf-8-bom", "utf-16"],
)
def test_treasury_csv_in_any_chinese_encoding_passes(content):
    validate_upload_content(upload("支付明细.csv", content), allowed=["csv", "xlsx"])


@pytest.mark.parametrize(
    ("name", "content", "actual"),
    [
        ("病毒.pdf", EXE, "可执行文件（Windows 程序）"),
        ("程序.doc", b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "可执行文件（Linux 程序）"),
        ("网页.pdf", HTML, "HTML 网页"),
        ("网页.docx", HTML, "HTML 网页"),
        ("网页.xlsx", b"\xef\xbb\xbf  <html><body>x</body></html>", "HTML 网页"),
        ("网页.zip", HTML, "HTML 网页"),
        ("图像.png", b"<svg onload=alert(1)>", "HTML 网页"),
        ("计划.pdf", docx_bytes(), "Word 文档（.docx）"),
        ("计划.xlsx", docx_bytes(), "Word 文档（.docx）"),
        ("照片.jpg", image_bytes("PNG"), "PNG 图片"),
    ],
)
def test_content_that_does_not_match_its_extension_is_refused(name, content, actual):
    with pytest.raises(ValidationError) as exc:
        validate_upload_content(upload(name, content), allowed=ATTACHMENTS)
    assert exc.value.messages == [f"文件内容与扩展名不符：{name} 实际是{actual}，只能上传 {ATTACHMENT_LABEL} 文件"]


@pytest.mark.parametrize(("content", "actual"), [(HTML, "HTML 网页"), (EXE, "可执行文件（Windows 程序）")])
def test_a_web_page_or_program_named_csv_is_refused(content, actual):
    with pytest.raises(ValidationError, match=f"支付明细.csv 实际是{actual}，只能上传 Excel 或 CSV 文件"):
        validate_upload_content(upload("支付明细.csv", content), allowed=["csv", "xlsx"])


def test_an_unknown_extension_still_refuses_programs_and_web_pages():
    validate_upload_content(upload("数据.dat", b"plain"), allowed=["dat"])
    with pytest.raises(ValidationError, match="实际是HTML 网页"):
        validate_upload_content(upload("数据.dat", HTML), allowed=["dat"])


def test_stored_files_are_not_read_again():
    stored = upload("旧附件.pdf", HTML)
    stored._committed = True
    validate_upload_content(stored, allowed=ATTACHMENTS)


def test_every_file_field_checks_content_against_its_own_extensions():
    """The field validator every FileField carries (validate_upload_size) reads the allowed extensions from the
    field's FileExtensionValidator: images are allowed on project attachments, not on work reports."""
    from assessments.models import AssessmentEvidence
    from reports.models import WorkReport
    from subjects.models import SubjectAttachment

    for model, name, label in [
        (WorkReport, "attachment", "PDF、OFD、Word、WPS、Excel 或 ZIP 压缩包"),
        (SubjectAttachment, "file", ATTACHMENT_LABEL),
        (AssessmentEvidence, "file", ATTACHMENT_LABEL),
    ]:
        field = model._meta.get_field(name)
        instance = model()
        setattr(instance, name, upload("病毒.pdf", EXE))
        with pytest.raises(ValidationError) as exc:
            field.run_validators(getattr(instance, name))
        assert exc.value.messages == [
            f"文件内容与扩展名不符：病毒.pdf 实际是可执行文件（Windows 程序），只能上传 {label} 文件"
        ]
        setattr(instance, name, upload("报告.pdf", PDF))
        field.run_validators(getattr(instance, name))


# --- the pages and the API ---------------------------------------------------------------------------------

pages = pytest.mark.django_db


def _report_data(attachment) -> dict:
    from reports.tests.test_pages import SCHOOL, org

    return {
        "title": "带附件的总结",
        "fiscal_year": 2025,
        "organisation": org(SCHOOL).pk,
        "kind": "annual_summary",
        "content": "正文",
        "attachment": attachment,
    }


@pages
@pytest.mark.parametrize(("name", "content"), [("病毒.pdf", EXE), ("网页.docx", HTML)])
def test_work_report_page_and_api_refuse_a_disguised_file(client_as, media_root, name, content):
    from reports.models import WorkReport

    client = client_as("edu_preparer")
    page = client.post("/reports/new/", _report_data(upload(name, content)))
    assert page.status_code == 200 and f"文件内容与扩展名不符：{name} 实际是" in page.content.decode()
    api = client.post("/api/work-reports/", _report_data(upload(name, content)))
    assert api.status_code == 400 and f"文件内容与扩展名不符：{name} 实际是" in api.json()["attachment"][0]
    assert not WorkReport.objects.filter(title="带附件的总结").exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))  # nothing stored
    ok = client.post("/api/work-reports/", _report_data(upload("计划.docx", docx_bytes())))
    assert ok.status_code == 201, ok.json()


@pages
def test_project_attachment_page_refuses_a_web_page_named_pdf(client_as, media_root):
    from subjects.tests.helpers import make_subject

    subject = make_subject()
    client = client_as("edu_preparer")
    response = client.post(
        f"/subjects/{subject.pk}/attachments/", {"kind": "feasibility", "file": upload("可研.pdf", HTML)}, follow=True
    )
    assert "文件内容与扩展名不符：可研.pdf 实际是HTML 网页" in response.content.decode()
    assert not subject.attachments.exists()
    client.post(
        f"/subjects/{subject.pk}/attachments/", {"kind": "feasibility", "file": upload("照片.jpg", image_bytes("JPEG"))}
    )
    assert subject.attachments.count() == 1


@pages
def test_assessment_evidence_page_refuses_a_program_named_pdf(client_as, media_root):
    from assessments import actions
    from assessments.tests.helpers import make_subject, user

    assessment = actions.start_assessment(make_subject("佐证材料类型项目"), user("edu_reviewer"))
    data = {"note": "", "file": upload("佐证.pdf", EXE)}
    response = client_as("edu_reviewer").post(f"/assessments/{assessment.pk}/evidence/", data, follow=True)
    assert "文件内容与扩展名不符：佐证.pdf 实际是可执行文件" in response.content.decode()
    assert not assessment.evidence.exists()


@pages
def test_excel_imports_refuse_a_web_page_named_xlsx_on_page_and_api(client_as):
    from imports.testing import upload as xlsx_upload

    client = client_as("sysadmin")
    page = client.post("/organisations/import/", {"file": xlsx_upload(HTML, "机构.xlsx")})
    assert "不是 Excel 工作簿" in page.content.decode() and "文件内容实际是HTML 网页" in page.content.decode()
    api = client.post("/api/imports/", {"kind": "organisations", "file": xlsx_upload(HTML, "机构.xlsx")})
    assert api.status_code == 400 and "文件内容实际是HTML 网页" in api.json()["file"][0]


@pages
def test_target_sheet_upload_refuses_a_web_page_named_xlsx_on_page_and_api(client_as):
    from imports.testing import upload as xlsx_upload

    client = client_as("edu_preparer")
    message = "文件内容与扩展名不符：申报表.xlsx 实际是HTML 网页，只能上传 Excel 文件"
    page = client.post("/targets/io/", {"file": xlsx_upload(HTML, "申报表.xlsx"), "reason": "上传"})
    assert message in page.content.decode()
    api = client.post("/api/target-sheet-documents/upload/", {"file": xlsx_upload(HTML, "申报表.xlsx")})
    assert api.status_code == 400 and message in str(api.json())


@pages
def test_treasury_upload_refuses_a_web_page_named_csv_and_takes_gb18030(client_as, immediate_tasks):
    from execution.tests.test_pages import upload as post_payments
    from imports.models import ImportJob

    treasury = client_as("treasury")
    response = post_payments(treasury, HTML, name="支付明细.csv")
    assert "文件内容与扩展名不符：支付明细.csv 实际是HTML 网页，只能上传 Excel 或 CSV 文件" in response.content.decode()
    assert not ImportJob.objects.exists()
    post_payments(treasury, GB18030_CSV, name="支付明细.csv")
    assert ImportJob.objects.count() == 1
