"""The Word report: opens with python-docx, contains the facts, every point's score, the dimension
subtotals, the total and the conclusion, with East Asian fonts set; its download is an audited export."""

import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from assessments import documents
from assessments.tests.helpers import department_assessment, make_subject, walk
from audit.models import AuditAction, AuditEntry

pytestmark = pytest.mark.django_db


def text_of(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_report_contains_scores_and_conclusion():
    assessment = walk(department_assessment(make_subject("校园安保服务购买项目"), fraction="0.9"))
    document = Document(io.BytesIO(documents.build(assessment)))
    text = text_of(document)
    assert "校园安保服务购买项目事前绩效评估报告" in text and "《校园安保服务购买项目" not in text
    for heading in ("一、基本情况", "二、评估内容与评分", "三、评估结论", "四、意见和建议"):
        assert heading in text
    assert assessment.subject.code in text and "示范市第一中学" in text and "示范市教育局" in text
    # every point with its weight and score (0.9 × 8 = 7.2, 0.9 × 9 = 8.1), subtotals and the total
    for score in assessment.scores.select_related("point"):
        assert score.point.name in text
    assert "7.2" in text and "8.1" in text and "小计" in text and "22.5" in text
    assert "90" in text and "予以支持" in text and "进一步细化绩效指标" in text
    # the Chinese runs carry an East Asian font
    title_run = document.paragraphs[0].runs[0]
    assert title_run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert document.tables[1].rows[0].cells[0].text == "评估维度"


def test_download_is_a_docx_and_an_export_row(client_as):
    assessment = department_assessment(make_subject("下载测试项目"))
    response = client_as("desk_edu").get(f"/assessments/{assessment.pk}/report.docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    Document(io.BytesIO(response.content))
    assert AuditEntry.objects.filter(
        action=AuditAction.EXPORT, object_type="assessments.assessment", object_id=str(assessment.pk)
    ).exists()
