"""The set-based loader (execution.loading): idempotent, corrections audited, all-or-nothing with every bad row
named, GBK/UTF-8 CSV and XLSX, the 待匹配 queue, unknown payers. Runs on SQLite and PostgreSQL."""

from decimal import Decimal

import pytest

from audit.models import AuditEntry
from execution import loading
from execution.choices import MatchStatus
from execution.models import BudgetAllocation, MatchRule, Payment
from execution.tests.helpers import PAYMENT_HEADER, allocation, payment, xlsx_file, year

pytestmark = pytest.mark.django_db


def rows_for(subject, n=3, prefix="T"):
    return [
        payment(f"{prefix}{i}", subject.code, f"{1000 + i}.50", payer=subject.organisation.budget_code)
        for i in range(n)
    ]


def test_load_payments_matches_payer_and_project(load, city_subject):
    result = load(rows_for(city_subject))
    assert result.ok, result.errors
    assert result.summary() == {
        "total": 3,
        "inserted": 3,
        "unchanged": 0,
        "corrected": 0,
        "rematched": 0,
        "unmatched": 0,
    }
    p = Payment.objects.get(voucher_number="T1")
    assert p.amount == Decimal("1001.50")
    assert p.subject == city_subject and p.organisation == city_subject.organisation
    assert p.match_status == MatchStatus.MATCHED and p.fiscal_year == year()
    assert p.budget_kind == "general" and p.fund_source == "local" and p.payee == "某公司"


def test_reimporting_the_same_file_counts_nothing_twice(load, city_subject):
    """The voucher number is the natural key: the same file twice, and an overlapping file, never double-count."""
    rows = rows_for(city_subject, 4)
    assert load(rows).inserted == 4
    again = load(rows)
    assert again.ok and (again.inserted, again.unchanged, again.corrected) == (0, 4, 0)
    overlapping = rows[2:] + rows_for(city_subject, 2, prefix="U")
    result = load(overlapping)
    assert (result.inserted, result.unchanged, result.corrected) == (2, 2, 0)
    assert Payment.objects.filter(voucher_number__regex=r"^[TU]\d$").count() == 6
    total = sum(Payment.objects.filter(voucher_number__regex=r"^[TU]\d$").values_list("amount", flat=True))
    assert total == Decimal("1000.50") + Decimal("1001.50") + Decimal("1002.50") + Decimal("1003.50") + Decimal(
        "1000.50"
    ) + Decimal("1001.50")


def test_changed_amount_is_a_correction_in_the_audit_trail(load, city_subject):
    rows = rows_for(city_subject, 2)
    load(rows)
    rows[1][4] = "2500.00"
    result = load(rows)
    assert (result.corrected, result.unchanged) == (1, 1)
    p = Payment.objects.get(voucher_number="T1")
    assert p.amount == Decimal("2500.00")
    entry = AuditEntry.objects.filter(object_type="execution.payment", object_id=str(p.pk), action="update").get()
    assert entry.changes == {"金额（元）": ["1001.50", "2500.00"]}
    assert "更正" in entry.reason
    summary = AuditEntry.objects.filter(object_type="execution.payment", action="import").order_by("-id").first()
    assert summary.changes["corrected"] == 1 and "更正 1" in summary.reason


def test_one_bad_row_among_good_writes_nothing(load, city_subject, tmp_path):
    """All-or-nothing: the report names the bad row's line and reason; no row is written."""
    rows = rows_for(city_subject, 5)
    rows[3][4] = "12.345"
    result = load(rows)
    assert not result.ok
    assert [(e.line, e.key, e.message) for e in result.errors] == [
        (5, "T3", "金额“12.345”不是有效金额（元，最多两位小数）")
    ]
    assert not Payment.objects.filter(voucher_number__startswith="T").exists()
    out = __import__("io").StringIO()
    loading.write_error_report(loading.PAYMENTS, result.errors, out)
    assert out.getvalue().splitlines() == ["行号,支付凭证号,问题", "5,T3,金额“12.345”不是有效金额（元，最多两位小数）"]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (0, "", "支付凭证号为空"),
        (0, "V" * 61, "支付凭证号超过 60 个字符"),
        (1, "", "支付日期为空"),
        (1, "2026-02-30", "不是有效日期"),
        (1, "明天", "不是有效日期"),
        (1, "1999-03-01", "不在 {year} 预算年度内"),
        (2, "", "单位预算编码为空"),
        (3, "", "项目编码为空"),
        (3, "X" * 41, "项目编码超过 40 个字符"),
        (4, "", "金额为空"),
        (4, "一千元", "不是有效金额"),
        (4, "1.2.3", "不是有效金额"),
        (4, "0", "金额不能为 0"),
        # issue 12 §5: thousands separators only in groups of three, and the error quotes the cell as written
        (4, "12,3", "金额“12,3”不是有效金额"),
        (4, "1,2,3,4", "金额“1,2,3,4”不是有效金额"),
        (4, "12,3a", "金额“12,3a”不是有效金额"),
        (5, "赤字预算", "预算类别“赤字预算”无法识别"),
        (6, "民间资本", "资金来源“民间资本”无法识别"),
        (7, "3" * 21, "经济分类超过 20 个字符"),
        (8, "收" * 201, "收款人超过 200 个字符"),
    ],
)
def test_each_validation_error_in_chinese(load, city_subject, column, value, message):
    rows = rows_for(city_subject, 2)
    rows[1][column] = value
    result = load(rows)
    assert not result.ok
    assert len(result.errors) == 1 and result.errors[0].line == 3
    assert message.format(year=year()) in result.errors[0].message
    assert not Payment.objects.filter(voucher_number="T0").exists()


def test_duplicate_voucher_within_the_file(load, city_subject):
    rows = rows_for(city_subject, 3)
    rows[2][0] = "T0"
    result = load(rows)
    assert [(e.line, e.message) for e in result.errors] == [(4, "支付凭证号“T0”与第 2 行重复")]


def test_missing_column_is_named(load, city_subject):
    header = [h for h in PAYMENT_HEADER if h != "金额"]
    rows = [r[:4] + r[5:] for r in rows_for(city_subject, 1)]
    result = load(rows, header=header)
    assert [e.message for e in result.errors] == ["缺少列“金额”"]


def test_accepted_spellings(load, city_subject):
    """Thousands separators, other date spellings, kinds by name or code, optional columns absent."""
    header = PAYMENT_HEADER[:8]
    code, payer = city_subject.code, city_subject.organisation.budget_code
    rows = [
        ["S1", f"{year()}/7/31", payer, code, "1,234,567.8", "fund", "上级转移支付", "30201"],
        ["S2", f"{year()}0102", payer, code, "-20", "政府性基金预算", "", ""],
        ["S3", f"{year()}年3月5日", payer, code, " 7 ", "", "bond", "30211"],
    ]
    result = load(rows, header=header)
    assert result.ok, result.errors
    s1, s2, s3 = (Payment.objects.get(voucher_number=v) for v in ("S1", "S2", "S3"))
    assert (s1.amount, str(s1.paid_on), s1.budget_kind, s1.fund_source) == (
        Decimal("1234567.80"),
        f"{year()}-07-31",
        "fund",
        "upper_transfer",
    )
    assert (s2.amount, str(s2.paid_on), s2.fund_source) == (Decimal("-20"), f"{year()}-01-02", "local")
    assert (s3.amount, s3.budget_kind, s3.fund_source, s3.payee) == (Decimal("7"), "general", "bond", "")


def test_gbk_csv(load, city_subject):
    """Government systems export GBK: detected, the Chinese values read correctly."""
    rows = rows_for(city_subject, 2)
    rows[0][9] = "购置教学设备（一批）"
    result = load(rows, encoding="gbk")
    assert result.ok, result.errors
    assert Payment.objects.get(voucher_number="T0").summary == "购置教学设备（一批）"
    assert loading.detect_encoding(__import__("pathlib").Path(__file__)) == "utf-8"


def test_utf8_bom_csv(load, city_subject):
    result = load(rows_for(city_subject, 1), encoding="utf-8-sig")
    assert result.ok and result.inserted == 1


def test_xlsx(load, city_subject, tmp_path):
    import datetime

    rows = rows_for(city_subject, 2)
    rows[0][1] = datetime.date(year(), 4, 1)  # a real date cell
    rows[0][4] = 1234.5  # a number cell
    rows[1][0] = 20260001  # a voucher number typed as a number
    path = xlsx_file(tmp_path, PAYMENT_HEADER, rows)
    result = load(None, path=path)
    assert result.ok, result.errors
    assert Payment.objects.get(voucher_number="T0").amount == Decimal("1234.50")
    assert str(Payment.objects.get(voucher_number="T0").paid_on) == f"{year()}-04-01"
    assert Payment.objects.filter(voucher_number="20260001").exists()


def test_unknown_payer_is_named_with_its_row_and_nothing_is_booked(load, city_subject, treasury):
    """Nothing is guessed (issue 12 §5): a mistyped unit code does not move money to the bureau's name."""
    rows = rows_for(city_subject, 3)
    rows[1][2] = "999999"
    result = load(rows)
    assert not result.ok
    [error] = result.errors
    assert error.line == 3 and "“999999”" in error.message and "不是本财政部门及下级区划登记的单位编码" in error.message
    assert not Payment.objects.filter(voucher_number__in=["T0", "T1", "T2"]).exists()  # all or nothing


def test_a_unit_code_of_another_region_is_unknown_here(load, city_subject, treasury):
    from organisations.choices import OrgKind, RegionLevel
    from organisations.models import Organisation, Region

    city = treasury.organisation.region
    other = Region.objects.create(code="990900", name="外市", level=RegionLevel.CITY, parent=city.parent)
    outside = Organisation.objects.create(
        name="外市教育局", kind=OrgKind.DEPARTMENT, region=other, budget_code="909001"
    )
    rows = rows_for(city_subject, 1)
    rows[0][2] = outside.budget_code
    result = load(rows)
    assert not result.ok and "不是本财政部门及下级区划登记的单位编码" in result.errors[0].message


def test_unknown_project_waits_in_the_queue_and_a_match_is_remembered(load, city_subject, treasury):
    """Unmatched records are kept, not dropped; a person's match updates them and later loads match by it."""
    from execution import actions

    rows = [
        payment("Q1", "OLD-77", "100", payer=city_subject.organisation.budget_code),
        payment("Q2", "OLD-77", "200", payer=city_subject.organisation.budget_code),
    ]
    result = load(rows)
    assert result.ok and result.unmatched == 2
    assert set(Payment.objects.filter(voucher_number__in=["Q1", "Q2"]).values_list("match_status", flat=True)) == {
        MatchStatus.UNMATCHED
    }
    groups = actions.unmatched_groups(treasury, year())
    assert any(g["project_code"] == "OLD-77" and g["payments"] == 2 and g["payments_total"] == 300 for g in groups)
    counts = actions.match_code(treasury, "OLD-77", year(), city_subject.code, reason="测试匹配")
    assert counts["国库支付明细"] == 2
    assert set(Payment.objects.filter(voucher_number__in=["Q1", "Q2"]).values_list("subject_id", "match_status")) == {
        (city_subject.pk, MatchStatus.MANUAL)
    }
    rule = MatchRule.objects.get(project_code="OLD-77", fiscal_year=year())
    assert AuditEntry.objects.filter(object_type="execution.matchrule", object_id=str(rule.pk)).exists()
    later = load([payment("Q3", "OLD-77", "50", payer=city_subject.organisation.budget_code)])
    assert later.unmatched == 0
    assert Payment.objects.get(voucher_number="Q3").subject == city_subject
    # Re-loading the matched records keeps the person's match.
    again = load(rows)
    assert again.unchanged == 2
    assert Payment.objects.get(voucher_number="Q1").match_status == MatchStatus.MANUAL


def test_a_record_that_matches_later_is_rematched_on_reload(load, city_subject):
    rows = [payment("R1", city_subject.code + "X", "10", payer=city_subject.organisation.budget_code)]
    assert load(rows).unmatched == 1
    rows[0][3] = city_subject.code  # the source system corrected the project code
    result = load(rows)
    assert result.corrected == 1
    assert Payment.objects.get(voucher_number="R1").subject == city_subject


def test_ignore_with_reason(load, city_subject, treasury):
    from execution import actions

    load([payment("I1", "ADMIN-1", "10", payer=city_subject.organisation.budget_code)])
    with pytest.raises(Exception, match="请说明"):
        actions.ignore_code(treasury, "ADMIN-1", year(), reason=" ")
    actions.ignore_code(treasury, "ADMIN-1", year(), reason="机关运行经费，不属于项目支出")
    assert Payment.objects.get(voucher_number="I1").match_status == MatchStatus.IGNORED
    assert AuditEntry.objects.filter(reason="机关运行经费，不属于项目支出").exists()


def test_unit_cannot_match(persona, load, city_subject):
    from django.core.exceptions import PermissionDenied

    from execution import actions

    load([payment("M1", "OLD-1", "10", payer=city_subject.organisation.budget_code)])
    with pytest.raises(PermissionDenied):
        actions.match_code(persona("edu_preparer"), "OLD-1", year(), city_subject.code)


def test_allocations(load, city_subject):
    rows = [
        allocation("示财预〔2026〕1号-1", city_subject.code, payer=city_subject.organisation.budget_code),
        allocation("示财预〔2026〕1号-2", "UNKNOWN-1", "1000"),
    ]
    result = load(rows, kind="allocations")
    assert result.ok, result.errors
    assert (result.inserted, result.unmatched) == (2, 1)
    a = BudgetAllocation.objects.get(document_number="示财预〔2026〕1号-1")
    assert a.subject == city_subject and a.amount == Decimal("500000.00") and a.summary == "年初预算"
    assert load(rows, kind="allocations").unchanged == 2


def test_voucher_of_another_region_is_not_overwritten(load, city_subject, persona):
    """A county bureau cannot overwrite a voucher the city loaded (natural keys are global)."""
    from audit.context import acting_as
    from execution.permissions import bureau_of
    from organisations.models import Organisation

    load(rows_for(city_subject, 1))
    county_bureau = Organisation.objects.filter(kind="finance_bureau").exclude(region__code="990100").first()
    rows = rows_for(city_subject, 1)
    rows[0][4] = "1.00"
    path = __import__("execution.tests.helpers", fromlist=["x"]).write_csv(
        __import__("pathlib").Path(__import__("tempfile").mkdtemp()), PAYMENT_HEADER, rows
    )
    with acting_as(user=persona("treasury")):
        result = loading.load_path(
            loading.PAYMENTS, path, bureau=county_bureau, fiscal_year=year(), user=persona("treasury")
        )
    assert not result.ok and "已由其他地区" in result.errors[0].message
    assert Payment.objects.get(voucher_number="T0").amount == Decimal("1000.50")
    assert bureau_of(persona("treasury")) != county_bureau


@pytest.mark.parametrize(("extra", "message"), [(["多余"], "列数多于表头"), (None, "列数少于表头")])
def test_row_with_another_column_count_is_named(load, city_subject, extra, message):
    rows = rows_for(city_subject, 3)
    rows[1] = rows[1] + extra if extra else rows[1][:5]
    result = load(rows)
    assert [(e.line, e.message) for e in result.errors] == [(3, message if extra else "列数少于表头（或是空行）")]
    assert not Payment.objects.filter(voucher_number="T0").exists()


def test_quoted_fields_and_long_files_on_every_database(load, city_subject):
    """Commas and line breaks inside quoted fields; more rows than one staging chunk."""
    rows = rows_for(city_subject, 2)
    rows[0][9] = "用途，含逗号\n和换行"
    many = rows + [
        payment(f"L{i}", city_subject.code, "1", payer=city_subject.organisation.budget_code) for i in range(60_000)
    ]
    result = load(many)
    assert result.ok, result.errors[:3]
    assert result.inserted == 60_002
    assert Payment.objects.get(voucher_number="T0").summary == "用途，含逗号\n和换行"
