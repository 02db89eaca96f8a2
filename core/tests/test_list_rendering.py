"""The list tables' per-row costs, taken out without changing a character of the page (issue 16, core/tables.py and
core/links.py): the rows written in Python equal django-tables2's own template, the date columns equal its
template-based ones, the remembered signatures equal inspected ones, and ``detail_url`` equals ``reverse``."""

import datetime
import inspect
import itertools
from zoneinfo import ZoneInfo

import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django_tables2 import utils as tables_utils
from django_tables2.columns.templatecolumn import TemplateColumn

from core import links
from core import tables as core_tables
from core.testing import PERSONAS, user

# --- the rows ------------------------------------------------------------------------------------------------------


class _Row:
    def __init__(self, pk, name, amount, on, at, kind):
        self.pk, self.name, self.amount, self.on, self.at, self.kind = pk, name, amount, on, at, kind


class _Table(tables.Table):
    name = tables.Column(attrs={"td": {"class": "text-nowrap", "data-x": "<a&b>"}})
    amount = tables.Column(attrs={"td": {"class": lambda record: "text-danger" if record.amount < 0 else "text-end"}})
    on = core_tables.DateColumn(verbose_name="日期")
    at = core_tables.DateTimeColumn(format="Y-m-d H:i")
    kind = tables.Column(localize=False)
    link = tables.Column(accessor="pk", linkify=lambda record: f"/x/{record.pk}/?a=1&b=2")

    class Meta:
        attrs = {"class": "table", "td": {"data-cell": "1"}}
        row_attrs = {"data-id": lambda record: record.pk}

    def render_kind(self, value, record):
        return f"{value}<{record.pk}>"


ROWS = [
    _Row(1, "甲 & 乙", 1234.5, datetime.date(2026, 3, 1), datetime.datetime(2026, 3, 1, 1, 2, tzinfo=datetime.UTC), 7),
    _Row(2, "<b>丙</b>", -3, None, None, 1234567),
]

LIBRARY_BODY = Template(
    "{% load l10n %}{% for row in table.paginated_rows %}<tr {{ row.attrs.as_html }}>"
    "{% for column, cell in row.items %}<td {{ column.attrs.td.as_html }}>{% if column.localize == None %}{{ cell }}"
    "{% else %}{% if column.localize %}{{ cell|localize }}{% else %}{{ cell|unlocalize }}{% endif %}{% endif %}</td>"
    '{% endfor %}</tr>{% empty %}{% if table.empty_text %}<tr><td colspan="{{ table.columns|length }}">'
    "{{ table.empty_text }}</td></tr>{% endif %}{% endfor %}"
)  # the tbody block of django_tables2/table.html, without its whitespace


def _library(table) -> str:
    table.paginate(per_page=25)
    return LIBRARY_BODY.render(Context({"table": table}))


def _ours(table) -> str:
    table.paginate(per_page=25)
    return core_tables.render_body(table, Context({"table": table}))


def test_the_rows_written_in_python_equal_the_library_template():
    request = RequestFactory().get("/")
    expected = _library(_Table(ROWS, request=request))
    assert _ours(_Table(ROWS, request=request)) == expected
    assert 'class="text-danger"' in expected and 'data-x="&lt;a&amp;b&gt;"' in expected and "&lt;b&gt;丙" in expected
    empty = _Table([], empty_text="暂无<记录>")
    assert (
        _ours(empty)
        == _library(_Table([], empty_text="暂无<记录>"))
        == '<tr><td colspan="6">暂无&lt;记录&gt;</td></tr>'
    )


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["perf", "edu_preparer", "sysadmin", "auditadmin"])
def test_every_list_page_writes_the_rows_the_library_template_writes(username):
    from core.testing import client_for, offered
    from core.views import GatedListView

    seen = []
    original = GatedListView.get_context_data

    def spy(self, **kwargs):
        context = original(self, **kwargs)
        seen.append(context["table"])
        return context

    client = client_for(username)
    urls = [url for _stage, links in offered(user(username)) for url in links]
    GatedListView.get_context_data = spy
    try:
        for url in urls:
            client.get(url)
    finally:
        GatedListView.get_context_data = original
    assert seen
    rows = 0
    for table in seen:
        context = Context({"table": table})
        table._counter = itertools.count()  # each rendering numbers its rows (even/odd) from the first
        ours = core_tables.render_body(table, context)
        table._counter = itertools.count()
        assert ours == LIBRARY_BODY.render(context), type(table)
        rows += len(list(table.paginated_rows))
    assert rows


# --- dates ---------------------------------------------------------------------------------------------------------


class _Library(tables.Table):
    on = tables.DateColumn()
    long_on = tables.DateColumn(short=False, accessor="on")
    at = tables.DateTimeColumn()
    stamp = tables.DateTimeColumn(format="Y-m-d H:i:s", accessor="at")


class _Ours(tables.Table):
    on = core_tables.DateColumn()
    long_on = core_tables.DateColumn(short=False, accessor="on")
    at = core_tables.DateTimeColumn()
    stamp = core_tables.DateTimeColumn(format="Y-m-d H:i:s", accessor="at")


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_date_columns_write_what_the_date_filter_writes(settings, zone):
    settings.TIME_ZONE = zone
    at = datetime.datetime(2026, 12, 31, 17, 30, 5, tzinfo=ZoneInfo("UTC"))  # another day in Shanghai
    rows = [_Row(1, "", 0, datetime.date(2026, 1, 2), at, ""), _Row(2, "", 0, None, None, "")]
    for name in ("on", "long_on", "at", "stamp"):
        for theirs, ours in zip(_Library(rows).rows, _Ours(rows).rows, strict=True):
            assert str(ours.get_cell(name)) == str(theirs.get_cell(name)).strip(), name
            assert ours.get_cell_value(name) == theirs.get_cell_value(name), name


def test_every_date_field_of_every_list_table_gets_the_column_without_a_template():
    from core.views import GatedListView

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    import jixiao.urls  # noqa: F401  (imports every view, and so every table)

    checked = 0
    for view in subclasses(GatedListView):
        if view.table_class is None:
            continue
        for name, column in view.table_class.base_columns.items():
            if isinstance(column, TemplateColumn):
                assert isinstance(column, core_tables.DateColumn | core_tables.DateTimeColumn), (view, name)
                checked += 1
    assert checked


# --- signatures ----------------------------------------------------------------------------------------------------


class _Renderer:
    def render(self, value, record, **kwargs):
        return value

    def plain(self, value):
        return value


def test_remembered_signatures_equal_inspected_ones():
    assert tables_utils.signature is core_tables.signature  # installed by CoreConfig.ready
    inspected = core_tables._inspect_signature
    cases = [_Renderer().render, _Renderer().plain, _Renderer.render, lambda record: record, len]
    for fn in cases * 2:  # the second time from the memo
        assert core_tables.signature(fn) == inspected(fn)
    assert core_tables.signature(_Renderer().plain) == (("value",), None)
    assert core_tables.signature(_Renderer.plain) == (("self", "value"), None)


# --- links ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["subjects:detail", "targets:detail", "organisations:detail", "accounts:user_detail", "reports:detail"]
)
def test_detail_url_equals_reverse(name):
    for pk in (1, 42, 1234567890123):
        assert links.detail_url(name, pk) == reverse(name, args=[pk])
    with pytest.raises(NoReverseMatch):
        links.detail_url(name, None)


def test_detail_url_follows_the_script_prefix():
    from django.urls import set_script_prefix

    set_script_prefix("/jx/")
    try:
        assert links.detail_url("subjects:detail", 5) == "/jx/subjects/5/" == reverse("subjects:detail", args=[5])
    finally:
        set_script_prefix("/")
    assert links.detail_url("subjects:detail", 5) == "/subjects/5/"


# --- the 新增 button -----------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_may_prepare_answers_as_the_preparer_organisations_do():
    from assessments.models import Assessment
    from indicators.models import IndicatorProposal
    from reports.models import WorkReport
    from subjects.models import Subject
    from targets.models import TargetSheet
    from workflow import guards

    answers = set()
    for username in PERSONAS:
        account = user(username)
        for model in (Subject, WorkReport, IndicatorProposal, Assessment, TargetSheet):
            expected = guards.preparer_organisations(account, model).exists()
            assert guards.may_prepare(account, model) == expected, (username, model)
            answers.add(expected)
    assert answers == {True, False}


def test_the_signature_memo_is_keyed_by_function():
    assert inspect.isfunction(_Renderer.render)
    core_tables.signature(_Renderer().render)
    assert _Renderer.render in core_tables._signatures
