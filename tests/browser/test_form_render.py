"""The demo's printed outputs rendered as a finance bureau prints them (issue 12 §2): the target sheet's Word and Excel,
the ex-ante assessment report and the monitoring report (Word). LibreOffice converts them to PDF, poppler's pdftoppm
to PNG pages in the browser tests' screenshots directory, to be looked at. The text of the PDF is checked for what the
paper must show. Runs on the browser tests' seeded database;
``make test`` installs LibreOffice and poppler-utils with the browser (Makefile ``browser-deps``)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.browser.helpers import BASE_DIR

pytestmark = pytest.mark.browser

WRITE_DOCUMENTS = """
import os
from targets.demo import EXTRA_SUBJECT
from targets.documents import word, xlsx_write
from targets.models import TargetSheet
sheet = TargetSheet.objects.filter(subject__name=EXTRA_SUBJECT, status="approved", is_current=True).get()
out = os.environ["JIXIAO_RENDER_OUT"]
open(out + "/target-sheet-word.docx", "wb").write(word.build(sheet))
open(out + "/target-sheet-excel.xlsx", "wb").write(xlsx_write.workbook_bytes(TargetSheet.objects.filter(pk=sheet.pk)))

from accounts.models import User
from assessments import documents as assessment_documents
from assessments.models import Assessment
from monitoring import documents as monitoring_documents
from monitoring.models import MonitoringRound
from monitoring.views import report_scope
assessment = Assessment.objects.filter(status="approved").exclude(scores=None).order_by("pk").first()
open(out + "/assessment-report.docx", "wb").write(assessment_documents.build(assessment))
monitoring_round = MonitoringRound.objects.exclude(tables=None).order_by("pk").first()
perf = User.objects.get(username="perf")
scope = report_scope(monitoring_round, perf, "region", monitoring_round.organisation.region_id)
open(out + "/monitoring-report.docx", "wb").write(monitoring_documents.build(monitoring_round, scope))

from evaluations.documents import report as self_evaluation_report
from evaluations.models import SelfEvaluation
form = SelfEvaluation.objects.exclude(total_score=None).order_by("-submitted_at", "pk").first()
if form is not None:  # the demo's closed year, once it has self-evaluations
    open(out + "/self-evaluation-report.docx", "wb").write(self_evaluation_report.build(form))
"""
# What each rendered output must show (compacted PDF text), and what it must not.
EXPECTED = {
    "target-sheet-word": ("项目绩效目标申报表", "支出明细预算", "资金来源计划", "本年度自评计划", "单位公章（盖章）"),
    "target-sheet-excel": ("项目绩效目标申报表", "支出明细预算", "资金来源计划", "本年度自评计划", "单位公章（盖章）"),
    "assessment-report": ("事前绩效评估报告", "一、基本情况", "评估维度", "小计", "合计", "（盖章）"),
    "monitoring-report": ("年度绩效运行监控报告", "金额单位：元", "实施单位", "五、改进措施和建议"),
    "self-evaluation-report": (
        "项目支出绩效自评报告",
        "四、资金到位情况",
        "七、项目绩效结果自我评价",
        "自评结论",
        "（盖章）",
    ),
}
OPTIONAL = {"self-evaluation-report"}  # rendered when the demo has a scored self-evaluation


def _tools() -> tuple[str, str, str]:
    found = [shutil.which(name) for name in ("soffice", "pdftoppm", "pdftotext")]
    if not all(found):
        pytest.skip(
            "需要 LibreOffice（soffice）与 poppler-utils（pdftoppm、pdftotext）才能渲染申报表：以 root 运行 make test，"
            "或 apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils"
        )
    return found


def test_printed_outputs_render(live_app):
    soffice, pdftoppm, pdftotext = _tools()
    work = Path(tempfile.mkdtemp(prefix="jixiao-render-"))
    try:
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", WRITE_DOCUMENTS],
            cwd=BASE_DIR,
            env={**live_app.env, "JIXIAO_RENDER_OUT": str(work)},
            check=True,
            capture_output=True,
            timeout=300,
        )
        profile = work / "lo-profile"  # a profile of its own: parallel runs do not share LibreOffice's lock
        names = ["target-sheet-excel.xlsx", *(f"{stem}.docx" for stem in EXPECTED if stem != "target-sheet-excel")]
        names = [n for n in names if (work / n).exists() or n.removesuffix(".docx") not in OPTIONAL]
        for name in names:
            subprocess.run(
                [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", name],
                cwd=work,
                check=True,
                capture_output=True,
                timeout=300,
            )
        for stem, expected_texts in EXPECTED.items():
            pdf = work / f"{stem}.pdf"
            if stem in OPTIONAL and not pdf.exists():
                continue
            assert pdf.exists(), stem
            for old in live_app.screenshot_dir.glob(f"{stem}-*.png"):
                old.unlink()
            subprocess.run(
                [pdftoppm, "-png", "-r", "80", str(pdf), str(live_app.screenshot_dir / stem)], check=True, timeout=300
            )
            assert list(live_app.screenshot_dir.glob(f"{stem}-*.png")), stem
            text = subprocess.run(
                [pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True, timeout=120
            ).stdout
            compact = "".join(text.split())
            for expected in expected_texts:
                assert expected in compact, (stem, expected)
            assert "edu_head" not in text and "《项目绩效目标申报表》" not in compact
            assert "报告》" not in compact.split("一、")[0], stem  # no title in 《》
            assert not re.search(r"\d{4}年0\d月|月0\d日", compact), stem  # no date with leading zeros
        word_text = "".join(
            subprocess.run(
                [pdftotext, str(work / "target-sheet-word.pdf"), "-"], check=True, capture_output=True, text=True
            ).stdout.split()
        )
        assert "三、资金情况（单位：万元）" in word_text and "86.00" in word_text  # 860,000 元 in 万元
    finally:
        shutil.rmtree(work, ignore_errors=True)
