"""The monitoring report (绩效监控报告) of a round as a Word document, per subject, per department or per region.
Its outline follows 《长治市预算绩效管理办法》第二十条（三）: 关键节点的绩效运行数据信息，对相关数据信息的核实和
分析，对预期产出和预期绩效实现程度的判断，根据绩效运行情况提出需采取的改进措施和进一步完善预算管理的建议.
A bar chart of execution rate against time progress is drawn server-side as a PNG (Pillow) with a CJK font
when one is installed (Noto CJK); without it the chart labels fall back to Pillow's default font."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from core import docx as style
from core.docx import HEADING_FONT, cn_date, money_cell, new_document
from core.docx import cell_text as _cell
from core.docx import paragraph as _paragraph
from monitoring import lights
from monitoring.choices import Light

CJK_FONTS = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
]
LEVEL_NAMES = {"subject": "项目", "department": "部门", "region": "区域"}
# The figures table (cm, the 15.6 cm between an official page's margins): the unit first, its cell merged over its
# projects; money columns wide enough for 99,999,999.99 on one line (issue 12 §2 print rules, core.docx).
GRID_HEADERS = ["实施单位", "项目", "可用预算", "累计支付", "执行率", "执行灯", "目标灯"]
GRID_WIDTH, UNIT_WIDTH, SHORT_WIDTH = 15.6, 2.8, 1.4  # the project column takes what the amounts leave
GRID_SIZE = 9


@dataclass
class Scope:
    level: str  # subject / department / region
    title: str  # e.g. 示范市教育局
    tables: list  # MonitoringTable with subject, indicators, warnings prefetched


def _pct(value) -> str:
    return "—" if value is None else f"{Decimal(value) * 100:.1f}%"


def _money(value) -> str:
    return f"{Decimal(value or 0):,.2f}"


def cjk_font_path() -> str | None:
    for path in CJK_FONTS:
        if Path(path).exists():
            return path
    return None


def chart_png(bars: list[tuple], time_progress: Decimal | None, title: str) -> bytes:
    """A horizontal bar per item — (label, execution rate, light) — with the time-progress line across, coloured
    by the item's own light (the table's, or the group's judged with its region's thresholds, never re-judged here).
    Returns PNG bytes."""
    from PIL import Image, ImageDraw, ImageFont

    bars = bars[:30]
    row_h, left, right, top = 34, 300, 60, 70
    width = 1100
    height = top + row_h * max(len(bars), 1) + 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    path = cjk_font_path()
    try:
        font = ImageFont.truetype(path, 18) if path else ImageFont.load_default()
        small = ImageFont.truetype(path, 15) if path else ImageFont.load_default()
        heading = ImageFont.truetype(path, 22) if path else ImageFont.load_default()
    except OSError:
        font = small = heading = ImageFont.load_default()
    if path is None:
        # No CJK font: keep the chart readable with ASCII labels.
        title = "Execution rate vs time progress"
        bars = [(f"#{i + 1}", *rest) for i, (_, *rest) in enumerate(bars)]
    draw.text((left, 15), title, fill="black", font=heading)
    plot_w = width - left - right
    scale_max = Decimal("1.2")

    def x_of(value: Decimal) -> int:
        return left + int(plot_w * min(max(Decimal(value), Decimal(0)), scale_max) / scale_max)

    for tick in (0, 20, 40, 60, 80, 100, 120):
        x = x_of(Decimal(tick) / 100)
        draw.line([(x, top - 5), (x, height - 45)], fill="#dddddd")
        draw.text((x - 12, height - 40), f"{tick}%", fill="#555555", font=small)
    colours = {Light.RED: "#d63939", Light.YELLOW: "#f59f00", Light.GREEN: "#2fb344", Light.NONE: "#adb5bd"}
    for i, (label, rate, light) in enumerate(bars):
        y = top + i * row_h
        text = label if len(label) <= 16 else label[:15] + "…"
        draw.text((10, y + 6), text, fill="black", font=font)
        if rate is not None:
            draw.rectangle([(left, y + 6), (x_of(rate), y + row_h - 6)], fill=colours.get(light, "#adb5bd"))
        draw.text((x_of(rate or 0) + 6, y + 8), _pct(rate), fill="black", font=small)
    if time_progress is not None:
        x = x_of(time_progress)
        draw.line([(x, top - 10), (x, height - 45)], fill="#206bc4", width=3)
        label = f"序时进度 {_pct(time_progress)}" if path else f"time {_pct(time_progress)}"
        draw.text((x + 4, top - 30), label, fill="#206bc4", font=small)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _totals(tables):
    available = sum((t.available for t in tables), Decimal(0))
    paid = sum((t.paid for t in tables), Decimal(0))
    return available, paid, lights.execution_rate(paid, available)


def _count(values) -> str:
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    parts = [
        f"{Light(k).label} {counts[k]} 个"
        for k in (Light.RED, Light.YELLOW, Light.GREEN, Light.BLUE, Light.NONE)
        if counts.get(k)
    ]
    return "、".join(parts) or "无"


def _bars(scope: Scope, fiscal_year: int, as_of) -> list[tuple[str, Decimal | None, str]]:
    """(name, execution rate, light) per subject (its table's light) or per unit / department (the light of its sums,
    judged with its region's thresholds in force on the data date — as the dashboard judges the same group)."""
    if scope.level == "subject":
        return [(t.subject.name, t.execution_rate, t.execution_light) for t in scope.tables]
    from monitoring.figures import thresholds_by_region

    default, regional = thresholds_by_region(as_of)
    key = (
        (lambda t: t.subject.organisation.name)
        if scope.level == "department"
        else (lambda t: t.subject.department.name if t.subject.department_id else t.subject.organisation.name)
    )
    groups: dict[str, list] = {}
    for table in scope.tables:
        groups.setdefault(key(table), []).append(table)
    bars = []
    for name, tables in groups.items():
        rate = _totals(tables)[2]
        first = tables[0].subject
        region_id = first.organisation.region_id if scope.level == "department" else _department_region(first)
        thresholds = regional.get(region_id, default)
        progress = lights.time_progress(fiscal_year, as_of, thresholds.time_progress_basis)
        bars.append((name, rate, lights.execution_light(rate, progress, thresholds)))
    return bars


def _department_region(subject) -> int:
    return subject.department.region_id if subject.department_id else subject.organisation.region_id


def _figures_table(doc, tables) -> None:
    """One row per project, grouped by unit; the unit's cell merged over its rows; money right-aligned on one line."""
    _paragraph(doc, "金额单位：元", size=10.5, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False, space_after=2)
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    money = style.fit_cm([_money(v) for t in tables for v in (t.available, t.paid)] + ["0,000,000.00"], GRID_SIZE)
    project = GRID_WIDTH - UNIT_WIDTH - 2 * money - 3 * SHORT_WIDTH
    grid = style.grid_table(doc, [UNIT_WIDTH, project, money, money, *[SHORT_WIDTH] * 3])
    style.header_row(grid, GRID_HEADERS, money_columns=(2, 3), size=GRID_SIZE)
    rows = sorted(tables, key=lambda t: t.subject.organisation.name)  # stable: the scope's order within a unit
    first = len(grid.rows)
    center = WD_ALIGN_PARAGRAPH.CENTER
    for t in rows:
        cells = style.grid_row(grid)
        _cell(cells[0], t.subject.organisation.name, size=GRID_SIZE, align=center)
        _cell(cells[1], t.subject.name, size=GRID_SIZE)
        money_cell(cells[2], _money(t.available), size=GRID_SIZE)
        money_cell(cells[3], _money(t.paid), size=GRID_SIZE)
        money_cell(cells[4], _pct(t.execution_rate), size=GRID_SIZE)
        _cell(cells[5], t.get_execution_light_display(), size=GRID_SIZE, align=center)
        _cell(cells[6], t.get_target_light_display(), size=GRID_SIZE, align=center)
        style.vertical_center(cells[0])
        style.cant_split(grid.rows[-1])
    style.merge_down(grid, first, 0, [t.subject.organisation_id for t in rows], size=GRID_SIZE)


def build(monitoring_round, scope: Scope) -> bytes:
    """The .docx bytes of the report of ``scope`` (tables already restricted by the gate)."""
    tables = scope.tables
    level = LEVEL_NAMES[scope.level]
    doc = new_document()

    style.title(doc, [scope.title, f"{monitoring_round.fiscal_year}年度绩效运行监控报告"])
    _paragraph(
        doc,
        f"（{monitoring_round.name}，数据截至{cn_date(monitoring_round.data_as_of)}）",
        size=14,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        indent=False,
    )

    available, paid, rate = _totals(tables)
    from monitoring.thresholds import thresholds_for

    basis = thresholds_for(monitoring_round.organisation.region, monitoring_round.data_as_of).time_progress_basis
    progress = lights.time_progress(monitoring_round.fiscal_year, monitoring_round.data_as_of, basis)
    submitted = sum(1 for t in tables if t.submitted_at is not None or t.status not in ("draft", "returned"))
    _paragraph(doc, "一、基本情况", font=HEADING_FONT, size=16)
    _paragraph(
        doc,
        f"本{level}纳入本轮绩效运行监控的项目 {len(tables)} 个，已报送监控表 {submitted} 个，"
        f"未报送 {len(tables) - submitted} 个。监控依据《长治市预算绩效管理办法》第十八条至第二十条，"
        f"对预算执行进度和绩效目标完成情况实行“双监控”。",
    )

    _paragraph(doc, "二、关键节点绩效运行数据", font=HEADING_FONT, size=16)
    _paragraph(
        doc,
        f"截至{cn_date(monitoring_round.data_as_of)}，可用预算 {_money(available)} 元，累计支付 "
        f"{_money(paid)} 元，预算执行率 {_pct(rate)}，序时进度 {_pct(progress)}。执行进度灯："
        f"{_count(t.execution_light for t in tables)}；绩效目标灯：{_count(t.target_light for t in tables)}。",
    )
    _figures_table(doc, tables)
    picture = chart_png(
        _bars(scope, monitoring_round.fiscal_year, monitoring_round.data_as_of), progress, "预算执行率与序时进度"
    )
    doc.add_picture(io.BytesIO(picture), width=Cm(15.5))
    _paragraph(
        doc, "图：预算执行率与序时进度（竖线为序时进度）", size=10.5, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )

    _paragraph(doc, "三、数据核实与分析", font=HEADING_FONT, size=16)
    lagging = [t for t in tables if t.execution_light in (Light.RED, Light.YELLOW)]
    if lagging:
        _paragraph(
            doc,
            f"执行进度滞后（红灯、黄灯）的项目 {len(lagging)} 个："
            + "；".join(
                f"{t.subject.name}（执行率 {_pct(t.execution_rate)}，{t.get_execution_light_display()}"
                + (f"，原因：{t.get_execution_deviation_reason_display()}" if t.execution_deviation_reason else "")
                + "）"
                for t in lagging
            )
            + "。",
        )
    else:
        _paragraph(doc, "各项目预算执行进度与序时进度基本匹配，未发现明显滞后。")
    warnings = [w for t in tables for w in t.warnings.all()]
    if warnings:
        _paragraph(
            doc,
            f"本轮共产生绩效预警 {len(warnings)} 条，其中待处置 "
            f"{sum(1 for w in warnings if w.status == 'open')} 条："
            + "；".join(w.message for w in warnings[:10])
            + ("等。" if len(warnings) > 10 else "。"),
        )

    _paragraph(doc, "四、绩效目标预期实现程度判断", font=HEADING_FONT, size=16)
    rows = [(t, r) for t in tables for r in t.indicators.all()]
    not_met = [(t, r) for t, r in rows if r.will_be_met is False]
    _paragraph(
        doc,
        f"纳入监控的绩效指标 {len(rows)} 项，预计能完成 {sum(1 for _, r in rows if r.will_be_met)} 项，"
        f"预计不能完成 {len(not_met)} 项，尚未判断 {sum(1 for _, r in rows if r.will_be_met is None)} 项。",
    )
    for t, r in not_met:
        _paragraph(
            doc,
            f"{t.subject.name}“{r.name}”：年度目标 {r.annual_target}{r.unit}，截至目前 "
            f"{r.actual_to_date or '—'}，预计全年 {r.expected_full_year or '—'}；偏差原因："
            f"{r.get_deviation_reason_display() or '未说明'}。{r.deviation_explanation}",
        )
    for t in tables:
        if t.overall_judgement:
            _paragraph(doc, f"{t.subject.name}：{t.overall_judgement}")

    _paragraph(doc, "五、改进措施和建议", font=HEADING_FONT, size=16)
    measures = [
        (t.subject.name, m)
        for t in tables
        for m in [t.execution_measures, *(r.measures for r in t.indicators.all())]
        if m
    ]
    for name, measure in measures:
        _paragraph(doc, f"{name}：{measure}")
    suggestions = []
    if lagging:
        suggestions.append(
            "对执行进度红灯、黄灯项目，督促单位加快支付进度，对确实无法执行的资金及时调整预算"
            "（《长治市预算绩效管理办法》第二十一条）"
        )
    if not_met:
        suggestions.append(
            "对预计不能完成绩效目标的项目，督促单位落实纠偏措施，问题严重或整改不到位的暂缓或停止拨款"
            "（《张掖市市级政府购买服务预算绩效管理暂行办法》第二十一条）"
        )
    if len(tables) - submitted:
        suggestions.append(f"尚有 {len(tables) - submitted} 个项目未报送监控表，请主管部门督促报送")
    if not suggestions:
        suggestions.append("继续按月跟踪预算执行和绩效目标完成情况，促进年度支出预算均衡执行")
    for i, text in enumerate(suggestions, 1):
        _paragraph(doc, f"（{i}）{text}。")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
