"""The test kit itself (core/testing.py): a wrong reach declaration fails with a table naming the persona and the
surface; list text ignores the search box; query baselines are compared, refreshed and kept per vendor."""

import json

import pytest

from core.testing import (
    SCHOOL,
    SEES_SCHOOL,
    SURFACES,
    QueryBaselines,
    Reach,
    check_reach,
    fill,
    listing_text,
    xlsx_text,
)
from core.xlsx import xlsx_response
from execution.models import Payment
from subjects.tests.helpers import make_subject


def _payment():
    return Payment.objects.filter(organisation__name=SCHOOL).order_by("voucher_number").first()


@pytest.mark.django_db
def test_a_wrong_view_declaration_fails_naming_persona_and_surface():
    with pytest.raises(AssertionError) as failed:
        check_reach(
            _payment, SURFACES["execution.payment"], Reach(SEES_SCHOOL - {"budget"}), personas=["budget", "county_perf"]
        )
    message = str(failed.value)
    assert "budget" in message and "api detail" in message and "listed" in message and "exported" in message
    assert "county_perf" not in message


@pytest.mark.django_db
def test_a_wrong_change_declaration_fails_on_the_page_and_the_api():
    subject = make_subject(name="自检测试项目")
    with pytest.raises(AssertionError) as failed:
        check_reach(subject, SURFACES["subjects.subject"], Reach(SEES_SCHOOL, change={"auditor"}), personas=["auditor"])
    message = str(failed.value)
    assert "change page" in message and "expected 200, got 404" in message
    assert "api patch" in message and "expected 200, got 403" in message


def test_fill_reads_attributes_and_listing_text_ignores_the_search_box():
    class Record:
        pk = 7
        subject = type("S", (), {"name": "某项目"})()

    assert fill("/x/{pk}/?q={subject.name}", Record()) == "/x/7/?q=某项目"
    page = '<form><input name="q" value="某项目"></form><div id="table-container"><a href="?q=ZF1&sort=a">x</a></div>'
    assert "某项目" not in listing_text(page.encode()) and "ZF1" not in listing_text(page.encode())
    assert "某项目" in listing_text(b'<div id="table-container"><td>\xe6\x9f\x90\xe9\xa1\xb9\xe7\x9b\xae</td></div>')


def test_xlsx_text_reads_every_cell():
    response = xlsx_response("a.xlsx", [("表", ["名称"], [["示范市第一中学 & 分部"]])])
    assert "示范市第一中学 & 分部" in xlsx_text(response.getvalue())


def test_query_baselines_compare_refresh_and_fall_back_to_another_vendor(tmp_path, monkeypatch):
    path = tmp_path / "counts.json"
    monkeypatch.setenv("JIXIAO_UPDATE_QUERY_COUNTS", "1")
    QueryBaselines(path, "sqlite").check("perf ", {"perf GET /a/": 10, "perf GET /b/": 5})
    QueryBaselines(path, "sqlite").check("edu_preparer ", {"edu_preparer GET /a/": 9})
    assert json.loads(path.read_text()) == {
        "edu_preparer GET /a/": {"sqlite": 9},
        "perf GET /a/": {"sqlite": 10},
        "perf GET /b/": {"sqlite": 5},
    }
    # a refresh drops what the persona no longer measures, and keeps the others'
    QueryBaselines(path, "sqlite").check("perf ", {"perf GET /a/": 11})
    assert json.loads(path.read_text()) == {"edu_preparer GET /a/": {"sqlite": 9}, "perf GET /a/": {"sqlite": 11}}
    monkeypatch.delenv("JIXIAO_UPDATE_QUERY_COUNTS")
    QueryBaselines(path, "sqlite").check("perf ", {"perf GET /a/": 8})  # fewer is fine
    QueryBaselines(path, "postgresql").check("perf ", {"perf GET /a/": 11})  # no value of its own: sqlite's
    with pytest.raises(AssertionError, match="JIXIAO_UPDATE_QUERY_COUNTS=1") as failed:
        QueryBaselines(path, "sqlite").check("perf ", {"perf GET /a/": 12, "perf GET /c/": 3})
    assert "perf GET /a/: 12 queries, baseline 11" in str(failed.value)
    assert "perf GET /c/: 3 queries, no baseline" in str(failed.value)
    with pytest.raises(AssertionError, match="no longer measured"):
        QueryBaselines(path, "sqlite").check("edu_preparer ", {})
