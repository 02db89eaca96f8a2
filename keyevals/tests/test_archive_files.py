"""The evaluation archive (seed 003 第四十一条; seed 004 三(九)2): what 归集档案 collects, checksums of the stored bytes,
retention classes (basic data and reports 10 years, the rest 5), the zip with its manifest, a tampered file refused on
export, the access log, the archive closed once archived, and who reaches it."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from audit.models import AuditEntry
from core import clock
from core.testing import count_queries
from keyevals import archive, letters, report_actions
from keyevals.models import ArchiveAccess, ArchiveCategory, ArchiveFile, KeyStatus
from keyevals.tests.report_fixtures import approve, make_evaluation, send_letter, user, with_report

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def concluded(title="档案测试评价", **kwargs):
    evaluation = make_evaluation(title, **kwargs)
    with_report(evaluation)
    with clock.pinned(datetime.date(2026, 9, 1)):
        letter = send_letter(evaluation)
        letters.reply(user("edu_reviewer"), letter, objection=False, sections={})
    approve(evaluation)
    evaluation.refresh_from_db()
    return report_actions.conclude(user("perf"), evaluation, evaluation.version)


def test_collect_generates_the_material_with_retention_classes(media_root):
    """seed 004 三(九)2: 评价基础数据报表、评价报告等重要资料保存期限为10年，其他资料保存5年."""
    evaluation = concluded()
    with clock.pinned(datetime.date(2026, 10, 8)):
        result = archive.collect(user("perf"), evaluation)
    titles = {(f.category, f.title) for f in result.added}
    assert (ArchiveCategory.REPORT, "评价报告") in titles
    assert (ArchiveCategory.WORK_PLAN, "评价工作方案") in titles and (
        ArchiveCategory.INDICATORS,
        "评价指标体系",
    ) in titles
    assert (ArchiveCategory.REPORT, "评价结果反馈意见函及反馈") in titles
    for item in ArchiveFile.objects.filter(evaluation=evaluation):
        long = item.category in (ArchiveCategory.REPORT, ArchiveCategory.BASIC_DATA)
        assert item.retention_years == (10 if long else 5), item.title
        assert item.retain_until == datetime.date(2036 if long else 2031, 10, 8)
        stored = item.file.storage.open(item.file.name, "rb").read()
        assert (item.sha256, item.size) == (hashlib.sha256(stored).hexdigest(), len(stored))
        assert item.generated
    basic = archive.upload(
        user("perf"),
        evaluation,
        category=ArchiveCategory.BASIC_DATA,
        title="基础数据表",
        upload=SimpleUploadedFile("基础数据.pdf", PDF),
    )
    assert basic.retention_years == 10 and not basic.generated
    # Collecting again replaces the generated files and leaves the uploaded one alone.
    again = archive.collect(user("perf"), evaluation)
    assert len(again.replaced) == len(result.added) and not again.added
    assert ArchiveFile.objects.filter(evaluation=evaluation).count() == len(result.added) + 1


def test_retention_from_a_29_february():
    assert archive.retain_until(datetime.date(2028, 2, 29), 5) == datetime.date(2033, 2, 28)
    assert archive.retention_years(ArchiveCategory.EXPERTS) == 5


def test_an_upload_is_checked_like_every_file(media_root):
    evaluation = concluded()
    with pytest.raises(ValidationError, match="文件内容与扩展名不符"):
        archive.upload(
            user("perf"),
            evaluation,
            category="contract",
            title="合同",
            upload=SimpleUploadedFile("合同.pdf", b"MZ\x90"),
        )
    with pytest.raises(ValidationError):
        archive.upload(
            user("perf"), evaluation, category="nonsense", title="x", upload=SimpleUploadedFile("a.pdf", PDF)
        )
    assert not ArchiveFile.objects.filter(evaluation=evaluation).exists()


def test_the_zip_holds_every_file_under_its_category_and_a_matching_manifest(media_root, client_as):
    evaluation = concluded()
    archive.collect(user("perf"), evaluation)
    archive.upload(
        user("perf"), evaluation, category="contract", title="委托合同", upload=SimpleUploadedFile("c.pdf", PDF)
    )
    response = client_as("perf").get(f"/keyevals/{evaluation.pk}/archive/export.zip")
    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    manifest = json.loads(bundle.read("manifest.json"))
    files = {row["file"]: row for row in manifest["files"]}
    items = list(ArchiveFile.objects.filter(evaluation=evaluation))
    assert len(files) == len(items)
    for item in items:
        row = next(r for r in manifest["files"] if r["title"] == item.title and r["sha256"] == item.sha256)
        assert row["file"].split("/")[0].endswith(item.get_category_display())
        assert hashlib.sha256(bundle.read(row["file"])).hexdigest() == item.sha256
        assert (row["retention_years"], row["retain_until"]) == (item.retention_years, item.retain_until.isoformat())
    rows = list(csv.reader(io.StringIO(bundle.read("manifest.csv").decode("utf-8-sig"))))
    assert rows[0][:5] == ["文件", "档案类别", "名称", "大小（字节）", "SHA-256"]
    assert {r[0] for r in rows[1:]} == set(files)
    assert "01-委托书或合同/委托合同.pdf" in files
    assert ArchiveAccess.objects.filter(evaluation=evaluation, action="export").count() == len(items)
    assert AuditEntry.objects.filter(
        object_type="keyevals.keyevaluation", action="export", object_id=str(evaluation.pk)
    )


def test_a_tampered_file_is_reported_and_nothing_is_exported(media_root, client_as):
    evaluation = concluded()
    archive.collect(user("perf"), evaluation)
    item = ArchiveFile.objects.filter(evaluation=evaluation, category=ArchiveCategory.REPORT).first()
    with open(item.file.path, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ValidationError) as refused:
        archive.export_zip(user("perf"), evaluation)
    assert any(item.title in m and "校验值不符" in m for m in refused.value.messages)
    assert not ArchiveAccess.objects.filter(evaluation=evaluation).exists()
    assert AuditEntry.objects.filter(action="export", reason__contains="被拒绝").exists()
    page = client_as("perf").get(f"/keyevals/{evaluation.pk}/archive/export.zip", follow=True)
    assert "校验值不符" in page.content.decode()
    download = client_as("perf").get(f"/keyevals/{evaluation.pk}/archive/files/{item.pk}/", follow=True)
    assert "校验值不符" in download.content.decode()


def test_every_download_is_logged(media_root, client_as):
    evaluation = concluded()
    item = archive.upload(
        user("perf"), evaluation, category="contract", title="合同", upload=SimpleUploadedFile("c.pdf", PDF)
    )
    response = client_as("perf").get(f"/keyevals/{evaluation.pk}/archive/files/{item.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    access = ArchiveAccess.objects.get(archive_file=item)
    assert (access.user, access.action) == (user("perf"), "download")
    assert AuditEntry.objects.filter(object_type="keyevals.archivefile", object_id=str(item.pk), action="export")
    page = client_as("perf").get(f"/keyevals/{evaluation.pk}/archive/").content.decode()
    assert item.sha256[:16] in page and "访问记录" in page


def test_archiving_closes_the_archive(media_root, client_as):
    evaluation = concluded()
    with pytest.raises(ValidationError, match="档案为空"):
        archive.finish(user("perf"), evaluation, evaluation.version)
    archive.collect(user("perf"), evaluation)
    evaluation = archive.finish(user("perf"), evaluation, evaluation.version)
    assert evaluation.status == KeyStatus.ARCHIVED
    with pytest.raises(ValidationError, match="已归档"):
        archive.collect(user("perf"), evaluation)
    with pytest.raises(ValidationError, match="已归档"):
        archive.upload(
            user("perf"), evaluation, category="contract", title="x", upload=SimpleUploadedFile("c.pdf", PDF)
        )
    item = ArchiveFile.objects.filter(evaluation=evaluation).first()
    with pytest.raises(ValidationError, match="已归档"):
        archive.remove(user("perf"), item)


def test_a_formula_in_a_problem_stays_text_in_the_archive(media_root):
    evaluation = make_evaluation("公式测试评价")
    with_report(evaluation, problems=0)
    report_actions.add_problem(
        user("perf"),
        evaluation,
        {
            "category": "funds",
            "description": '=HYPERLINK("http://evil","点我")',
            "responsible": evaluation.evaluated_id,
        },
    )
    archive.collect(user("perf"), evaluation)
    item = ArchiveFile.objects.get(evaluation=evaluation, title="评价发现的问题清单")
    sheet = load_workbook(item.file.path).active
    cell = sheet["C2"]
    assert cell.value == '=HYPERLINK("http://evil","点我")' and cell.data_type == "s"


@pytest.mark.parametrize("username", ["county_perf", "edu_reviewer", "edu_preparer", "expert", "health_reviewer"])
def test_who_does_not_reach_the_archive(media_root, client_as, username):
    evaluation = concluded()
    item = archive.upload(
        user("perf"), evaluation, category="contract", title="合同", upload=SimpleUploadedFile("c.pdf", PDF)
    )
    client = client_as(username)
    for url in (
        f"/keyevals/{evaluation.pk}/archive/",
        f"/keyevals/{evaluation.pk}/archive/files/{item.pk}/",
        f"/keyevals/{evaluation.pk}/archive/export.zip",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/keyevals/{evaluation.pk}/archive/collect/").status_code == 404
    assert client.get("/api/archive-files/", {"evaluation": evaluation.pk}).json()["results"] == []


def test_the_archive_page_does_not_grow_with_its_files(media_root, client_as):
    """Query counts: the archive page and the report page cost the same with 2 or 8 files / problems."""
    evaluation = concluded()
    client = client_as("perf")
    for n in range(2):
        archive.upload(
            user("perf"), evaluation, category="contract", title=f"合同{n}", upload=SimpleUploadedFile("c.pdf", PDF)
        )
    url = f"/keyevals/{evaluation.pk}/archive/"
    status, few = count_queries(client, url)
    for n in range(6):
        archive.upload(
            user("perf"), evaluation, category="basic_data", title=f"数据{n}", upload=SimpleUploadedFile("d.pdf", PDF)
        )
    status, many = count_queries(client, url)
    assert status == 200 and many == few, (few, many)
