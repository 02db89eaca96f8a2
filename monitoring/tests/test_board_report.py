"""The status board rolled up level by level and the monitoring reports (《长治市预算绩效管理办法》第二十条（三）:
绩效监控报告……逐层向上汇集，按照预算管理级次逐级汇总; its content: 关键节点的绩效运行数据信息、核实和分析、
对预期产出和预期绩效实现程度的判断、改进措施和建议), downloadable as Word with a chart, through the gate."""

import io

import pytest
from django.urls import reverse
from docx import Document

from audit.models import AuditEntry
from monitoring import actions, board, documents
from monitoring.choices import RoundScope
from monitoring.tests.helpers import CANTEEN, SECURITY, SPORTS, fill_rows, open_round, subject, table_of
from workflow import actions as workflow

pytestmark = pytest.mark.django_db
HOSPITAL = "示范市卫生健康委员会（本级）医疗设备购置"


@pytest.fixture
def monitoring_round(persona):
    other = subject(HOSPITAL)
    monitoring_round = open_round(
        persona("perf"), scope=RoundScope.KEY, key=[SECURITY, CANTEEN, SPORTS, other], name="汇总测试"
    )
    table = table_of(monitoring_round, SECURITY)
    preparer = persona("edu_preparer")
    table = actions.save_table(table, preparer, table.version, rows=fill_rows(table, not_met_row=0))
    workflow.submit(table, preparer, table.version)
    return monitoring_round


def test_rollup_region_department_unit_subject_with_counts(persona, monitoring_round):
    tree = board.rollup(monitoring_round, persona("perf"))
    assert tree.tables == 4 and tree.submitted == 1
    regions = tree.children
    assert [r.level for r in regions] == ["region"]
    departments = {d.name: d for d in regions[0].children}
    education = departments["示范市教育局"]
    assert education.level == "department" and education.tables == 3 and education.submitted == 1
    unit = education.children[0]
    assert unit.level == "unit" and unit.name == "示范市第一中学"
    assert {s.name for s in unit.children} == {SECURITY, CANTEEN, SPORTS}
    assert all(s.level == "subject" and s.table_id for s in unit.children)
    assert sum(tree.execution.values()) == 4
    assert tree.late == sum(d.late for d in regions[0].children)


def test_board_scoped_by_the_gate(client_as, persona, monitoring_round):
    # The department sees its own tables only; another unit sees only its own; outsiders get 404.
    tree = board.rollup(monitoring_round, persona("edu_reviewer"))
    assert tree.tables == 3
    page = client_as("edu_reviewer").get(reverse("monitoring:round", args=[monitoring_round.pk])).content.decode()
    assert SECURITY in page and HOSPITAL not in page
    perf_page = client_as("perf").get(reverse("monitoring:round", args=[monitoring_round.pk])).content.decode()
    assert HOSPITAL in perf_page and 'id="count-tables">4<' in perf_page
    assert client_as("county_perf").get(reverse("monitoring:round", args=[monitoring_round.pk])).status_code == 404
    assert client_as("health_preparer").get(reverse("monitoring:round", args=[monitoring_round.pk])).status_code == 404


def _docx_text(content: bytes) -> tuple[str, int]:
    doc = Document(io.BytesIO(content))
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )
    return text, len(doc.inline_shapes)


@pytest.mark.parametrize("level", ["subject", "department", "region"])
def test_reports_docx_with_outline_figures_and_chart(client_as, monitoring_round, level):
    """第二十条（三）: key-node figures, analysis, judgement of the targets, measures and suggestions; a chart."""
    table = table_of(monitoring_round, SECURITY)
    key = {
        "subject": table.pk,
        "department": table.subject.department_id,
        "region": table.subject.organisation.region_id,
    }[level]
    response = client_as("perf").get(reverse("monitoring:round_report", args=[monitoring_round.pk, level, key]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    text, pictures = _docx_text(response.content)
    for heading in (
        "一、基本情况",
        "二、关键节点绩效运行数据",
        "三、数据核实与分析",
        "四、绩效目标预期实现程度判断",
        "五、改进措施和建议",
    ):
        assert heading in text
    assert SECURITY in text and "预算执行率" in text and "预计不能完成 1 项" in text and "加快进度" in text
    assert pictures == 1
    assert AuditEntry.objects.filter(
        action="export", object_type="monitoring.monitoringround", object_id=str(monitoring_round.pk)
    ).exists()


def test_report_through_the_gate(client_as, monitoring_round):
    table = table_of(monitoring_round, SECURITY)
    url = reverse("monitoring:round_report", args=[monitoring_round.pk, "subject", table.pk])
    assert client_as("health_preparer").get(url).status_code == 404
    assert client_as("edu_preparer").get(url).status_code == 200
    hospital = table_of(monitoring_round, HOSPITAL)
    url = reverse("monitoring:round_report", args=[monitoring_round.pk, "subject", hospital.pk])
    assert client_as("edu_reviewer").get(url).status_code == 404


def test_chart_png_with_and_without_cjk_font(monkeypatch):
    from decimal import Decimal

    png = documents.chart_png(
        [("教育局", Decimal("0.3"), "red"), ("卫健委", None, "none")], Decimal("0.58"), "预算执行率与序时进度"
    )
    assert png.startswith(b"\x89PNG")
    monkeypatch.setattr(documents, "CJK_FONTS", ["/nonexistent.ttc"])
    assert documents.chart_png([("教育局", Decimal("0.9"), "green")], Decimal("0.58"), "x").startswith(b"\x89PNG")


def test_pages_render(client_as, monitoring_round):
    perf = client_as("perf")
    for name in ("rounds", "tables", "warnings", "holds", "rules", "round_create"):
        assert perf.get(reverse(f"monitoring:{name}")).status_code == 200, name
    assert client_as("edu_preparer").get(reverse("monitoring:round_create")).status_code == 404
    rounds = client_as("edu_preparer").get(reverse("monitoring:rounds")).content.decode()
    assert "汇总测试" in rounds  # reached through the unit's own tables
    table = table_of(monitoring_round, SECURITY)
    detail = client_as("edu_preparer").get(reverse("monitoring:table", args=[table.pk])).content.decode()
    assert 'id="contract-status"' in detail  # purchased service: contract status (张掖办法第十九条（一）)
    assert "review" in detail or "审核" in detail
    export = perf.get(reverse("monitoring:tables"), {"export": "xlsx", "round": monitoring_round.pk})
    assert export.status_code == 200


def test_round_create_page_opens_a_round(client_as):
    from core import fiscal

    year = fiscal.default_year()
    response = client_as("perf").post(
        reverse("monitoring:round_create"),
        {
            "name": "页面发起",
            "fiscal_year": year,
            "data_as_of": f"{year}-06-30",
            "due_date": f"{year}-07-20",
            "scope": "all_funded",
            "notice": "请按时报送",
        },
    )
    assert response.status_code == 302
    from monitoring.models import MonitoringRound

    created = MonitoringRound.objects.get(name="页面发起")
    assert created.tables.filter(subject__name=SECURITY).exists()
    # Scan and close from the page.
    perf = client_as("perf")
    assert perf.post(reverse("monitoring:round_scan", args=[created.pk])).status_code == 302
    assert perf.post(reverse("monitoring:round_close", args=[created.pk])).status_code == 302
    created.refresh_from_db()
    assert created.status == "closed"
    assert client_as("desk_edu").post(reverse("monitoring:round_scan", args=[created.pk])).status_code == 404
