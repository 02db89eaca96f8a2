"""Pages: who may upload (《长治市预算绩效管理办法》第十九条（二）: 预算管理科会同国库科及国库集中支付中心监控资金拨付),
the background job and its progress page, the error report, file checks, lists, the 待匹配 queue."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEntry
from execution.choices import MatchStatus
from execution.models import MatchRule, Payment
from execution.tests.helpers import PAYMENT_HEADER, csv_bytes, payment, year
from imports.models import ImportJob, ImportStatus

pytestmark = pytest.mark.django_db
UPLOAD = reverse("execution:upload_payments")


def upload(client, content: bytes, name="payments.csv"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content), "fiscal_year": year()})


def good_rows(subject, n=3):
    return [payment(f"P{i}", subject.code, "100.00", payer=subject.organisation.budget_code) for i in range(n)]


@pytest.mark.parametrize("username", ["treasury", "budget"])
def test_treasury_and_budget_section_upload_article_19(client_as, immediate_tasks, city_subject, username):
    """第十九条（二）: the treasury and the budget section supply the payment data."""
    client = client_as(username)
    assert client.get(UPLOAD).status_code == 200
    response = upload(client, csv_bytes(PAYMENT_HEADER, good_rows(city_subject)))
    job = ImportJob.objects.filter(kind="execution.payments").latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("execution:job", args=[job.pk])
    assert job.status == ImportStatus.SUCCEEDED
    assert job.summary["inserted"] == 3 and job.summary["fiscal_year"] == year()
    page = client.get(response["Location"]).content.decode()
    assert "导入成功" in page and 'data-count="inserted">3<' in page
    assert 'hx-trigger="every 1s"' not in page  # done: the page stops polling
    assert Payment.objects.filter(voucher_number="P0", import_job=job).exists()
    assert AuditEntry.objects.filter(action="import", object_type="imports.importjob", object_id=str(job.pk)).exists()


@pytest.mark.parametrize(
    "username", ["edu_preparer", "edu_head", "edu_reviewer", "desk_edu", "perf", "leader", "auditor"]
)
def test_others_cannot_upload(client_as, immediate_tasks, city_subject, username):
    client = client_as(username)
    assert client.get(UPLOAD).status_code == 404
    # A forged upload (a POST without the page) is refused the same way, and recorded.
    before = AuditEntry.objects.filter(action="permission_denied").count()
    assert upload(client, csv_bytes(PAYMENT_HEADER, good_rows(city_subject))).status_code == 404
    assert AuditEntry.objects.filter(action="permission_denied").count() > before
    assert not Payment.objects.filter(voucher_number="P0").exists()
    assert not ImportJob.objects.filter(kind="execution.payments").exists()


def test_pending_job_page_polls_the_progress(client_as, media_root, city_subject, settings):
    """Without a worker the job waits: the page shows the bar and polls every second."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    client = client_as("treasury")
    response = upload(client, csv_bytes(PAYMENT_HEADER, good_rows(city_subject)))
    job = ImportJob.objects.get(kind="execution.payments")
    assert job.status == ImportStatus.PENDING
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page and "排队等待" in page and 'id="import-progress"' in page
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, phase="read", processed_rows=50, total_rows=100
    )
    fragment = client.get(reverse("execution:job_progress", args=[job.pk])).content.decode()
    assert 'aria-valuenow="37"' in fragment and "50 / 约 100 行" in fragment
    # The job is its uploader's only.
    assert client_as("budget").get(reverse("execution:job", args=[job.pk])).status_code == 404


def test_failed_job_lists_errors_and_offers_the_report(client_as, immediate_tasks, city_subject):
    client = client_as("treasury")
    rows = good_rows(city_subject, 4)
    rows[2][1] = "2026-13-45"
    rows[3][4] = "abc"
    response = upload(client, csv_bytes(PAYMENT_HEADER, rows))
    job = ImportJob.objects.get(kind="execution.payments")
    assert job.status == ImportStatus.FAILED and job.error_count == 2
    page = client.get(response["Location"]).content.decode()
    assert "未写入任何数据" in page and "下载错误报告" in page
    report = client.get(reverse("execution:job_errors", args=[job.pk]))
    assert report.status_code == 200
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "行号,支付凭证号,问题"
    assert text.splitlines()[1].startswith("4,P2,支付日期")
    assert text.splitlines()[2] == "5,P3,金额“abc”不是有效金额（元，最多两位小数）"
    assert not Payment.objects.filter(voucher_number__in=["P0", "P1"]).exists()


def test_file_too_large(client_as, immediate_tasks, settings, city_subject):
    settings.JIXIAO_EXECUTION_MAX_UPLOAD_BYTES = 2048
    client = client_as("treasury")
    response = upload(client, csv_bytes(PAYMENT_HEADER, good_rows(city_subject, 40)))
    assert response.status_code == 200
    assert "文件不能超过" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "旧版 .xls"),
        (b"\x00\x01\x02binary", "不是 CSV 文本文件"),
    ],
)
def test_forged_file_is_refused(client_as, immediate_tasks, content, message):
    response = upload(client_as("treasury"), content, name="payments.csv")
    assert response.status_code == 200 and message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_lists_filter_and_export(client_as, persona, immediate_tasks, city_subject):
    treasury = client_as("treasury")
    upload(treasury, csv_bytes(PAYMENT_HEADER, [*good_rows(city_subject), payment("PX", "NOPE", "5")]))

    def listed(**params) -> str:
        # without random tokens (CSP nonces, the CSRF token): one may contain "PX" or "P0"
        page = treasury.get(reverse("execution:payment_list"), params).content.decode()
        return re.sub(r"[A-Za-z0-9_+/=-]{16,}", "", page)

    page = listed(match_status="unmatched", q="PX")
    assert "PX" in page and "P0" not in page
    page = listed(subject=city_subject.code, date_from=f"{year()}-03-01")
    assert "P0" in page and "PX" not in page
    export = treasury.get(reverse("execution:payment_list"), {"q": "P0", "export": "xlsx"})
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    assert treasury.get(reverse("execution:allocation_list")).status_code == 200
    # A unit sees the payments of its own subjects, another unit does not (the access gate).
    from subjects.models import Subject

    school = client_as("edu_preparer")
    own = Subject.objects.filter(organisation=persona("edu_preparer").organisation).first()
    upload(treasury, csv_bytes(PAYMENT_HEADER, [payment("PS1", own.code, "9", payer=own.organisation.budget_code)]))
    ps1 = Payment.objects.filter(voucher_number="PS1").select_related("organisation").first()
    assert ps1 is not None and ps1.organisation == own.organisation, (
        ps1 and ps1.organisation,
        ImportJob.objects.latest("pk").errors,
    )
    assert ">PS1<" in school.get(reverse("execution:payment_list"), {"q": "PS1"}).content.decode()
    assert ">PX<" not in school.get(reverse("execution:payment_list"), {"q": "PX"}).content.decode()
    assert (
        ">PS1<"
        not in client_as("health_preparer").get(reverse("execution:payment_list"), {"q": "PS1"}).content.decode()
    )


def test_unmatched_queue_match_and_ignore(client_as, immediate_tasks, city_subject):
    treasury = client_as("treasury")
    rows = [payment("UQ1", "LEGACY-9", "300"), payment("UQ2", "LEGACY-9", "200"), payment("UQ3", "ADMIN-9", "50")]
    upload(treasury, csv_bytes(PAYMENT_HEADER, rows))
    page = treasury.get(reverse("execution:unmatched"), {"fiscal_year": year()}).content.decode()
    assert "LEGACY-9" in page and "ADMIN-9" in page and "500.00" in page
    perf = client_as("perf")
    response = perf.post(
        reverse("execution:match"),
        {"project_code": "LEGACY-9", "fiscal_year": year(), "subject": city_subject.pk},
    )
    assert response.status_code == 302
    assert set(Payment.objects.filter(voucher_number__in=["UQ1", "UQ2"]).values_list("match_status", flat=True)) == {
        MatchStatus.MANUAL
    }
    assert MatchRule.objects.filter(project_code="LEGACY-9", subject=city_subject).exists()
    bad = perf.post(
        reverse("execution:match"),
        {"project_code": "ADMIN-9", "fiscal_year": year(), "subject": 10**9},
        follow=True,
    )
    assert "没有找到所选项目" in bad.content.decode()
    # The row's picker searches the gated subjects: no option list of the library in the page.
    assert (
        "data-picker" in page and "/pick/subject/" in page and "<option" not in page.split('id="unmatched-groups"')[1]
    )
    treasury.post(reverse("execution:ignore"), {"project_code": "ADMIN-9", "fiscal_year": year(), "reason": "公用经费"})
    assert Payment.objects.get(voucher_number="UQ3").match_status == MatchStatus.IGNORED
    # Units do not reach the queue.
    preparer = client_as("edu_preparer")
    assert preparer.get(reverse("execution:unmatched")).status_code == 404
    assert (
        preparer.post(
            reverse("execution:ignore"), {"project_code": "LEGACY-9", "fiscal_year": year(), "reason": "x"}
        ).status_code
        == 404
    )


def test_nav_links_in_the_monitoring_stage(client_as):
    page = client_as("treasury").get(reverse("stage", args=["monitoring"])).content.decode()
    for url in (
        reverse("execution:payment_list"),
        reverse("execution:allocation_list"),
        reverse("execution:unmatched"),
    ):
        assert url in page
    assert (
        reverse("execution:unmatched")
        not in client_as("edu_preparer").get(reverse("stage", args=["monitoring"])).content.decode()
    )


@pytest.mark.parametrize("username", ["agency", "expert", "public"])
def test_outsiders_see_no_monitoring_lists_in_the_navigation(client_as, username):
    """Their reach is what they are assigned; no monitoring record is assigned, so no link to an empty list, and a
    stage that offers them nothing is not offered at all (core.navigation.stages_for)."""
    client = client_as(username)
    home = client.get("/").content.decode()
    for name in ("monitoring:dashboard", "monitoring:warnings", "execution:payment_list"):
        assert reverse(name) not in home
    assert reverse("stage", args=["monitoring"]) not in home
    assert client.get(reverse("stage", args=["monitoring"])).status_code == 404
    assert (
        reverse("monitoring:warnings")
        in client_as("auditor").get(reverse("stage", args=["monitoring"])).content.decode()
    )


def test_the_unmatched_queue_keeps_the_headers_working_year(client_as):
    """The 待匹配 page's own year filter ("全部" by default) is not the shell's working year: the header still shows the
    year the user works in (issue 12 §5: it flipped to the newest year)."""
    import re

    from core import fiscal

    client = client_as("treasury")
    html = client.get("/execution/unmatched/").content.decode()
    header = re.search(r'<select[^>]*name="year"[^>]*>(.*?)</select>', html, re.S)
    assert header, "the header's year switch"
    assert f'<option value="{fiscal.default_year()}" selected>' in header.group(1)
    filtered = client.get("/execution/unmatched/", {"fiscal_year": fiscal.default_year() - 1}).content.decode()
    assert f'<option value="{fiscal.default_year() - 1}" selected>' in filtered
