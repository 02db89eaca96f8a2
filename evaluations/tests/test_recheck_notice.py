"""The notice (通报) of a spot re-check as Word (seed 001 第二十一条: 对未按要求开展自评、自评和抽评结果差异较大以及抽评结果为差
的项目予以通报): it opens with python-docx, lists the right subjects in the right sections, prints the sample's seed
and dates without leading zeros, is for the sample's readers only and leaves an EXPORT audit row."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from docx import Document

from audit.models import AuditAction, AuditEntry
from core.testing import client_for
from evaluations import recheck_actions
from evaluations.choices import RecheckStatus
from evaluations.models import RecheckItem, SelfEvaluation
from evaluations.tests.self_helpers import YEAR, fill_and_submit, form_of, funded_subject, open_round
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample():
    subjects = [
        funded_subject(f"通报测试项目{i}", arranged=f"{(i + 1) * 100000}.00", allocated=f"{(i + 1) * 100000}.00")
        for i in range(4)
    ]
    low = funded_subject(
        "执行偏低通报项目", arranged="50000.00", allocated="50000.00", paid=[("20000.00", datetime.date(YEAR, 12, 1))]
    )  # 40 % executed, the smallest: not drawn
    never = funded_subject("未报送通报项目")
    evaluation_round = open_round()
    forms = [fill_and_submit(form_of(evaluation_round, s)) for s in subjects]
    fill_and_submit(form_of(evaluation_round, low))
    assert form_of(evaluation_round, never).submitted_at is None
    sample = recheck_actions.draw_sample(user("perf"), evaluation_round, seed=2025, minimum=1, share=Decimal("0.01"))
    return sample, forms


def _text(document) -> str:
    """Paragraphs and table rows in the order they are printed."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    parts = []
    for child in document.element.body.iterchildren():
        if child.tag.endswith("}p"):
            parts.append(Paragraph(child, document).text)
        elif child.tag.endswith("}tbl"):
            parts.extend(" | ".join(cell.text for cell in row.cells) for row in Table(child, document).rows)
    return "\n".join(parts)


def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_the_notice_lists_the_right_subjects(sample):
    sample, forms = sample
    items = list(sample.items.select_related("evaluation__subject").order_by("pk"))
    gap = items[0]
    RecheckItem.objects.filter(pk=gap.pk).update(
        status=RecheckStatus.SUBMITTED,
        self_score=Decimal("95.00"),
        self_grade="优",
        total_score=Decimal("58.50"),
        grade="差",
    )
    drawn = {i.evaluation_id for i in items}
    poor_by_unit = next(f for f in forms if f.pk not in drawn)
    SelfEvaluation.objects.filter(pk=poor_by_unit.pk).update(grade="差")

    response = client_for("perf").get(reverse("evaluations:sample_notice", args=[sample.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = _text(Document(io.BytesIO(response.content)))

    assert f"关于{YEAR}年度部门预算绩效自评\n抽查复核情况的通报" in text  # broken between phrases
    assert "随机种子 2025" in text and f"{sample.drawn_at.year}年" in text
    gaps = _section(text, "二、自评和抽评结果差异较大的项目", "三、")
    assert gap.evaluation.subject.name in gaps and "95.00" in gaps and "58.50" in gaps and "+36.50" in gaps
    late = _section(text, "三、未按要求开展自评的情况", "四、")
    assert "未报送" in late and "1" in late
    poor = _section(text, "四、抽评结果为差的项目", "五、")
    assert gap.evaluation.subject.name in poor and poor_by_unit.subject.name in poor
    flagged = _section(text, "五、提示", "六、")
    assert "执行偏低通报项目" in flagged and "未复核提示" in flagged
    assert "通报测试项目" not in flagged  # executed in full: no flag
    assert AuditEntry.objects.filter(
        action=AuditAction.EXPORT, object_type="evaluations.rechecksample", object_id=str(sample.pk)
    ).exists()


def test_an_empty_notice_says_so(sample):
    sample, _ = sample
    text = _text(
        Document(io.BytesIO(client_for("perf").get(reverse("evaluations:sample_notice", args=[sample.pk])).content))
    )
    assert "未发现自评和抽评结果差异较大的项目" in text


@pytest.mark.parametrize("username", ["county_perf", "edu_reviewer", "edu_preparer", "agency", "auditadmin"])
def test_only_the_samples_readers_get_the_notice(sample, username):
    sample, _ = sample
    response = client_for(username).get(reverse("evaluations:sample_notice", args=[sample.pk]))
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT, object_id=str(sample.pk)).exists()
