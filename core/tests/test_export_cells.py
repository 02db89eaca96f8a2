"""Exports that cannot run code (issue 17 §1): every cell of every export is typed, and text a spreadsheet would read
as a formula is inert (core/xlsx.py). The walk below finds every list page with an Excel export (every
``GatedListView`` in the URLconf), stores formula-like text in the records its exporter sees, exports, and opens the
file: no cell is a formula and the text is there as it was written."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import DatabaseError, models, transaction
from django.test import RequestFactory
from django.urls import URLResolver, get_resolver
from openpyxl import load_workbook

from audit import trail
from audit.models import AuditAction
from core import xlsx
from core.testing import client_for, user
from core.views import GatedListView

pytestmark = pytest.mark.django_db

PAYLOADS = ["=cmd|' /C calc'!A0", "+1", "-1+2", "@SUM(1)", "\t=1"]
# Who exports each list in the tests: the first persona whose export answers and who sees records.
EXPORTERS = ["perf", "treasury", "sysadmin", "auditadmin", "budget", "edu_preparer", "desk_edu", "leader", "auditor"]
SKIPPED_FIELDS = {"password", "path", "hash", "prev_hash", "mac", "key_id"}


def workbook(response):
    return load_workbook(io.BytesIO(response.getvalue()))


def inert_strings(wb) -> list[str]:
    """Every text cell of ``wb``, after asserting that no cell is a formula and that formula-like text is marked
    text (quotePrefix)."""
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    if xlsx.formula_like(cell.value):
                        assert cell.data_type == "s" and cell.quotePrefix, f"{ws.title}!{cell.coordinate}"
    return texts


# --- the module itself ---------------------------------------------------------------------------------------------
def test_cells_are_typed_and_formula_like_text_is_inert():
    rows = [
        [*PAYLOADS],
        [-1, Decimal("-3.50"), datetime.date(2026, 5, 1), None, True],
        ["#N/A", "普通文字", "a\x01b", "０１", "－1"],
    ]
    wb = load_workbook(io.BytesIO(xlsx.workbook_bytes([("表", ["一", "二", "三", "四", "五"], rows)])))
    ws = wb["表"]
    texts = inert_strings(wb)
    assert all(p in texts for p in PAYLOADS)  # preserved, visibly, without an added apostrophe
    assert [c.value for c in ws[2][:2]] == [p for p in PAYLOADS[:2]]
    assert ws["A3"].value == -1 and ws["A3"].data_type == "n"  # a negative number stays a number
    assert ws["B3"].value == -3.5 and ws["B3"].data_type == "n"
    assert ws["C3"].is_date and ws["C3"].value == datetime.datetime(2026, 5, 1)
    assert ws["D3"].value is None and ws["E3"].value == "是"
    assert ws["A4"].value == "#N/A" and ws["A4"].data_type == "s"  # not an error value either
    assert ws["C4"].value == "ab"  # characters XML cannot hold are dropped, not an error
    assert ws["E4"].quotePrefix  # the full-width minus too


def test_a_direct_formula_is_swept_before_saving():
    wb = xlsx.new_workbook()
    ws = wb.create_sheet("表")
    ws["A1"] = "=1+1"  # a writer bypassing put()
    content = xlsx.save_bytes(wb)
    cell = load_workbook(io.BytesIO(content))["表"]["A1"]
    assert cell.data_type == "s" and cell.value == "=1+1" and cell.quotePrefix


def test_csv_fields_are_neutralised_with_an_apostrophe():
    out = io.StringIO()
    xlsx.CsvWriter(out).writerows([[*PAYLOADS, -5, "正常"]])
    fields = out.getvalue().rstrip("\r\n").split(",")
    assert fields[0] == "'=cmd|' /C calc'!A0" and fields[1:4] == ["'+1", "'-1+2", "'@SUM(1)"]
    assert fields[4] == "'\t=1" and fields[5:] == ["-5", "正常"]


def test_the_payment_error_report_goes_through_the_csv_writer():
    from execution.loading import KINDS
    from execution.loading.kinds import LoadError, write_error_report

    out = io.StringIO()
    write_error_report(KINDS["payments"], [LoadError(line=2, key="=HYPERLINK(1)", message="@坏数据")], out)
    assert "'=HYPERLINK(1)" in out.getvalue() and "'@坏数据" in out.getvalue()


def test_no_module_writes_a_workbook_or_csv_of_its_own():
    """One place (core/xlsx.py): no other module of the application constructs a workbook or a csv.writer."""
    root = Path(__file__).resolve().parents[2]
    allowed = {Path("core/xlsx.py"), Path("imports/testing.py")}
    offenders = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root)
        if rel.parts[0] in {".venv", "bench", "tests", "node_modules", "var"} or "tests" in rel.parts or rel in allowed:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bWorkbook\(|csv\.writer\(|csv\.DictWriter\(", text):
            offenders.append(str(rel))
    assert not offenders, offenders


# --- every list export ---------------------------------------------------------------------------------------------
def list_views() -> list[tuple[str, type]]:
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
                continue
            cls = getattr(p.callback, "view_class", None)
            if cls and issubclass(cls, GatedListView) and "<" not in str(p.pattern):
                found.append(("/" + prefix + str(p.pattern), cls))

    walk(get_resolver().url_patterns, "")
    return found


LIST_VIEWS = list_views()


def test_the_walk_finds_the_exports_of_the_issue():
    paths = {path for path, _ in LIST_VIEWS}
    assert {"/reports/", "/execution/payments/", "/audit/"} <= paths and len(paths) >= 15


def _eligible(field) -> bool:
    return (
        isinstance(field, (models.CharField, models.TextField))
        and not field.primary_key
        and not field.unique
        and not field.choices
        and field.name not in SKIPPED_FIELDS
        and (field.max_length or 1000) >= 8
    )


def _targets(record, accessors) -> list[tuple]:
    """(model instance, field) of every exported column of ``record`` that is a plain text field, following the
    columns' accessors through related records (``subject__name``)."""
    out = []
    for accessor in accessors:
        obj, parts = record, accessor.replace(".", "__").split("__")
        for part in parts[:-1]:
            obj = getattr(obj, part, None)
            if not isinstance(obj, models.Model):
                break
        if not isinstance(obj, models.Model):
            continue
        try:
            field = obj._meta.get_field(parts[-1])
        except Exception:
            continue
        if _eligible(field):
            out.append((obj, field))
    return out


def _poison(view_cls, username: str) -> list[str]:
    """Store formula-like text in every exported plain text column (the record's own fields and related records')
    of up to three records the exporter sees; the values stored. The audit trail cannot be updated: it gets new
    entries with such text instead."""
    model = view_cls.model
    if model._meta.label_lower == "audit.auditentry":
        for payload in PAYLOADS:
            trail.record(AuditAction.UPDATE, object_type="reports.workreport", object_repr=payload, reason=payload)
        return list(PAYLOADS)
    request = RequestFactory().get("/")
    request.user = user(username)
    view = view_cls()
    view.setup(request)
    queryset = view.export_queryset()
    table = view_cls.table_class([])
    accessors = [str(c.accessor) for c in table.columns]
    written, done = [], 0
    for record in queryset.order_by("pk")[:20]:
        stored = []
        try:
            with transaction.atomic():
                for j, (obj, field) in enumerate(_targets(record, accessors)):
                    value = PAYLOADS[(done + j) % len(PAYLOADS)][: field.max_length or None]
                    type(obj)._default_manager.filter(pk=obj.pk).update(**{field.name: value})
                    stored.append(value)
        except DatabaseError:  # an approved version the database protects, a constraint …: the next record
            continue
        if stored:
            written += stored
            done += 1
        if done == 3:
            break
    return written


@pytest.mark.parametrize("path,view_cls", LIST_VIEWS, ids=[p for p, _ in LIST_VIEWS])
def test_every_list_export_is_typed_and_inert(path, view_cls):
    exported = None
    for username in EXPORTERS:
        client = client_for(username)
        if client.get(f"{path}?export=xlsx").status_code != 200:
            continue
        written = _poison(view_cls, username)
        if not written:
            continue
        response = client.get(f"{path}?export=xlsx")
        assert response.status_code == 200
        exported = (username, written, inert_strings(workbook(response)))
        break
    assert exported, f"no persona exports records of {path}"
    username, written, texts = exported
    assert set(written) & set(texts), f"{path} as {username}: none of the stored texts is in the export"


# --- the laid-out documents and the other downloads ------------------------------------------------------------------
def test_the_target_sheet_document_is_inert(client_as):
    from targets.models import TargetIndicator, TargetSheet

    sheet = TargetSheet.objects.filter(subject__organisation__name="示范市第一中学").first()
    TargetIndicator.objects.filter(sheet=sheet).update(name="=cmd|' /C calc'!A0", data_source="@SUM(1)")
    TargetSheet.objects.filter(pk=sheet.pk).update(annual_goal="-1+2")
    from subjects.models import Subject

    Subject.objects.filter(pk=sheet.subject_id).update(name="+1 项目")
    response = client_as("perf").get(f"/targets/{sheet.pk}/xlsx/")
    assert response.status_code == 200
    texts = inert_strings(load_workbook(io.BytesIO(response.content)))
    assert "-1+2" in texts and "+1 项目" in texts


def test_the_target_summary_export_is_inert(client_as):
    from organisations.models import Organisation

    Organisation.objects.filter(name="示范市教育局").update(name="=cmd|' /C calc'!A0")
    response = client_as("perf").get("/targets/summary/?fiscal_year=2026&export=xlsx")
    assert response.status_code == 200
    inert_strings(workbook(response))


def test_the_import_exports_and_templates_are_inert(client_as):
    from organisations.models import Organisation

    Organisation.objects.filter(name="示范市第一中学").update(name="@SUM(1)")
    client = client_as("sysadmin")
    export = client.get("/organisations/export/")
    assert export.status_code == 200
    assert "@SUM(1)" in inert_strings(load_workbook(io.BytesIO(export.content)))
    template = client.get("/organisations/import/template/")
    assert template.status_code == 200
    inert_strings(load_workbook(io.BytesIO(template.content)))
