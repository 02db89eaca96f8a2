"""The pages of the evaluation schemes: every signed-in user reads every kind and line with every number in Chinese;
the performance section publishes a new version or its region's own copy (never editing one in use), audited; bad
input is refused with a Chinese message naming the field and changes nothing; a unit reads but cannot publish; a
line outside the user's region answers 404."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditAction, AuditEntry
from core.versioning import in_force
from evaluations.actions import clone_scheme
from evaluations.choices import SchemeKind
from evaluations.models import EvaluationScheme
from organisations.choices import RegionLevel
from organisations.models import Region

pytestmark = pytest.mark.django_db

D = Decimal
DAY = datetime.date(2026, 9, 15)  # the demo's business date


def default(kind):
    return EvaluationScheme.objects.get(kind=kind, region__isnull=True, version=1)


def region_of(persona_name, persona):
    return persona(persona_name).organisation.region


def other_county(persona):
    mine = region_of("county_perf", persona)
    return Region.objects.filter(level=RegionLevel.COUNTY).exclude(pk=mine.pk).order_by("code").first()


def new_version_url(scheme):
    return reverse("evaluations:scheme_new_version", args=[scheme.pk])


def form_data(scheme, **changes):
    """The form as the page fills it for ``scheme``, with ``changes``."""
    rules = scheme.rules()
    data = {
        "effective_from": "2026-10-01",
        "name": scheme.name,
        "rounding": scheme.rounding,
        "deviation_percent": "20",
        "grade_lines_text": "\n".join(f"{line.label} {line.minimum}" for line in rules.grade_lines),
        "note": "本区调整",
    }
    for rule in rules.bands:
        data[f"{rule.band}_low"], data[f"{rule.band}_high"] = str(rule.low), str(rule.high)
    names = {
        SchemeKind.NATIONAL: [
            "execution_points",
            "indicator_points",
            "output_points",
            "effect_points",
            "satisfaction_points",
        ],
        SchemeKind.COMPOSITE: ["common_points", "sector_points", "qualitative_points", "bonus_min", "bonus_max"],
        SchemeKind.FOUR_E: ["economy_points", "efficiency_points", "effectiveness_points", "equity_points"],
    }[scheme.kind]
    data.update({name: str(getattr(scheme, name)) for name in names})
    if scheme.kind == SchemeKind.COMPOSITE:
        data["qualitative_items_text"] = "\n".join(
            f"{item.code} {item.label} {item.weight}" for item in rules.qualitative_items
        )
    data.update(changes)
    return data


# --- reading --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["perf", "county_perf", "edu_preparer", "auditor", "agency"])
def test_everyone_reads_the_list_with_every_kind_and_the_versions_in_force(client_as, username):
    response = client_as(username).get(reverse("evaluations:scheme_list"))
    assert response.status_code == 200
    text = response.content.decode()
    for kind in SchemeKind:
        assert kind.label in text
        assert f'data-scheme="{default(kind).pk}" class="table-active" data-current="1"' in text
    assert "经济性 20 + 效率性 25 + 有效性 35 + 公平性 20" in text
    assert "优 ≥ 90 · 良 ≥ 80 · 中 ≥ 60 · 差" in text


def test_the_list_shows_regional_lines_and_what_applies_to_the_users_region(client_as, persona):
    county = region_of("county_perf", persona)
    mine = clone_scheme(
        default(SchemeKind.FOUR_E),
        region=county,
        effective_from=DAY,
        economy_points=D("30"),
        effectiveness_points=D("25"),
    )
    text = client_as("county_perf").get(reverse("evaluations:scheme_list")).content.decode()
    assert county.name in text
    assert f'data-mine="{mine.pk}"' in text  # the county's own line applies there
    text = client_as("perf").get(reverse("evaluations:scheme_list")).content.decode()
    assert f'data-mine="{default(SchemeKind.FOUR_E).pk}"' in text  # the city keeps the default


def test_the_detail_shows_every_number_in_chinese(client_as):
    text = client_as("edu_preparer").get(reverse("evaluations:scheme_detail", args=[default(SchemeKind.NATIONAL).pk]))
    text = text.content.decode()
    for expected in (
        "单位自评（执行率 10 分 + 绩效指标 90 分）",
        "默认（所有区划）",
        "10 分：全年执行数 ÷ 全年预算数 × 10，最高 10 分",
        "90 分：产出指标 50 分、效益指标 30 分、满意度指标 10 分",
        "90 分及以上",
        "80 分及以上、低于 90 分",
        "低于 60 分",
        "按分值的 80%–100% 计分",
        "按分值的 60%–80% 计分",
        "四舍五入",
        "20%：实际值与指标值偏差超过 20%（恰为 20% 不算超过）",
    ):
        assert expected in text, expected
    assert 'id="new-version"' not in text  # a unit reads, never publishes
    assert 'id="record-history"' not in text


def test_the_composite_detail_shows_the_items_the_bonus_and_the_grade_lines(client_as):
    text = client_as("perf").get(reverse("evaluations:scheme_detail", args=[default(SchemeKind.COMPOSITE).pk]))
    text = text.content.decode()
    for expected in (
        "70 分：共性指标 40 分、个性指标 30 分",
        "职能目标完成效率",
        "30%",
        "9 分",  # 30 % of the qualitative 30
        "加 3–5 分",
        "85 分及以上",
        "70 分及以上、低于 85 分",
    ):
        assert expected in text, expected
    assert 'id="new-version"' in text and 'id="record-history"' in text


def test_the_four_e_detail_shows_the_dimensions_and_says_the_split_is_practice(client_as):
    text = client_as("county_perf").get(reverse("evaluations:scheme_detail", args=[default(SchemeKind.FOUR_E).pk]))
    text = text.content.decode()
    assert "经济性 20 分、效率性 25 分、有效性 35 分、公平性 20 分，合计 100 分" in text
    assert "文件未规定各维度分值，本方案的分值为实践做法" in text
    assert 'id="scheme-dimensions"' in text


def test_an_unknown_scheme_is_404(client_as):
    client = client_as("perf")
    assert client.get(reverse("evaluations:scheme_detail", args=[999999])).status_code == 404
    assert client.get(reverse("evaluations:scheme_new_version", args=[999999])).status_code == 404


# --- publishing -----------------------------------------------------------------------------------------------------


def test_the_performance_section_clones_the_default_for_its_region(client_as, persona):
    # Given the default 4E scheme and the county's performance section
    original = default(SchemeKind.FOUR_E)
    county = region_of("county_perf", persona)
    client = client_as("county_perf")
    page = client.get(new_version_url(original))
    assert page.status_code == 200
    assert f'<option value="{county.pk}" selected>' in page.content.decode()
    # When it publishes its own split
    data = form_data(original, region=str(county.pk), economy_points="25", effectiveness_points="30")
    response = client.post(new_version_url(original), data)
    # Then it is the county's version 1 from the chosen date, the default untouched, and audited with the reason
    assert response.status_code == 302, response.content.decode()[:2000]
    mine = EvaluationScheme.objects.get(kind=SchemeKind.FOUR_E, region=county)
    assert response["Location"] == reverse("evaluations:scheme_detail", args=[mine.pk])
    assert (mine.version, mine.effective_from, mine.created_by) == (
        1,
        datetime.date(2026, 10, 1),
        persona("county_perf"),
    )
    assert (mine.economy_points, mine.effectiveness_points, mine.note) == (D("25"), D("30"), "本区调整")
    original.refresh_from_db()
    assert (original.economy_points, original.version) == (D("20"), 1)
    assert in_force(EvaluationScheme, county, datetime.date(2026, 10, 1), kind=SchemeKind.FOUR_E) == mine
    entry = AuditEntry.objects.filter(object_type="evaluations.evaluationscheme", object_id=str(mine.pk)).get()
    assert entry.action == AuditAction.CREATE and entry.reason == "本区调整"


def test_a_new_version_of_a_line_leaves_the_version_in_use_as_it_was(client_as, persona):
    county = region_of("county_perf", persona)
    first = clone_scheme(default(SchemeKind.NATIONAL), region=county, effective_from=DAY)
    data = form_data(first, region=str(county.pk), grade_lines_text="优 95\n良 80\n中 60\n差 0")
    response = client_as("county_perf").post(new_version_url(first), data)
    assert response.status_code == 302
    second = EvaluationScheme.objects.get(kind=SchemeKind.NATIONAL, region=county, version=2)
    assert second.grade_lines[0] == {"label": "优", "min": "95"}
    first.refresh_from_db()
    assert first.grade_lines[0] == {"label": "优", "min": "90"}


def test_the_top_bureau_publishes_the_default_line(client_as):
    original = default(SchemeKind.COMPOSITE)
    response = client_as("perf").post(new_version_url(original), form_data(original, region="", bonus_max="4"))
    assert response.status_code == 302
    latest = EvaluationScheme.objects.get(kind=SchemeKind.COMPOSITE, region__isnull=True, version=2)
    assert latest.bonus_max == D("4")


def test_a_county_cannot_publish_the_default_line(client_as):
    original = default(SchemeKind.COMPOSITE)
    count = EvaluationScheme.objects.count()
    response = client_as("county_perf").post(new_version_url(original), form_data(original, region=""))
    assert response.status_code == 200
    assert "请填写“适用区划”" in response.content.decode()
    assert EvaluationScheme.objects.count() == count


@pytest.mark.parametrize(
    ("kind", "changes", "field", "message"),
    [
        (
            SchemeKind.NATIONAL,
            {"output_points": "45"},
            "satisfaction_points",
            "“产出、效益、满意度指标分值”合计应等于绩效指标分值 90 分，现为 85 分",
        ),
        (
            SchemeKind.FOUR_E,
            {"equity_points": "25"},
            "equity_points",
            "“经济性、效率性、有效性、公平性分值”合计应为 100 分，现为 105 分",
        ),
        (
            SchemeKind.COMPOSITE,
            {"qualitative_items_text": "efficiency 职能目标完成效率 30\nservice 提供公共服务效能 20"},
            "qualitative_items_text",
            "“定性指标权数”合计应为 100，现为 50",
        ),
        (SchemeKind.COMPOSITE, {"bonus_min": "6"}, "bonus_max", "“加分上限”不能低于“加分下限”"),
        (
            SchemeKind.NATIONAL,
            {"grade_lines_text": "优 90\n良\n差 0"},
            "grade_lines_text",
            "“等级分数线”第 2 行“良”格式有误：每行写等级名称和它的最低分，用空格分开，如“良 80”",
        ),
        (
            SchemeKind.NATIONAL,
            {"grade_lines_text": "优 80\n良 90\n差 0"},
            "grade_lines_text",
            "“等级分数线”须从高到低排列，且各不相同",
        ),
        (
            SchemeKind.NATIONAL,
            {"achieved_high": "120"},
            "achieved_low",
            "“定性指标档次”中“达成”的比例应在 0–100% 之间，且下限不高于上限",
        ),
        (SchemeKind.NATIONAL, {"deviation_percent": "0"}, "deviation_percent", "“偏差阈值”应大于 0"),
        (
            SchemeKind.NATIONAL,
            {"execution_points": "十"},
            "execution_points",
            "“预算执行率分值”应为数字，如 20 或 12.5",
        ),
        (
            SchemeKind.NATIONAL,
            {"effective_from": "2026-01-01"},
            "effective_from",
            "“生效日期”不能早于今天（2026-09-15）：已经生效的方案不能被追溯改变",
        ),
        (SchemeKind.NATIONAL, {"note": ""}, "note", "请填写“修改说明”（记入审计日志）"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(client_as, persona, kind, changes, field, message):
    original = default(kind)
    county = region_of("county_perf", persona)
    before = (EvaluationScheme.objects.count(), AuditEntry.objects.filter(action=AuditAction.CREATE).count())
    response = client_as("county_perf").post(
        new_version_url(original), form_data(original, region=county.pk, **changes)
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors.get(field, [])), form.errors
    assert "未作任何修改" in response.content.decode()
    after = (EvaluationScheme.objects.count(), AuditEntry.objects.filter(action=AuditAction.CREATE).count())
    assert after == before


def test_a_unit_reads_but_cannot_open_the_form(client_as):
    client = client_as("edu_preparer")
    original = default(SchemeKind.NATIONAL)
    assert client.get(reverse("evaluations:scheme_detail", args=[original.pk])).status_code == 200
    count = EvaluationScheme.objects.count()
    assert client.get(new_version_url(original)).status_code == 404
    assert client.post(new_version_url(original), form_data(original)).status_code == 404
    assert EvaluationScheme.objects.count() == count
    assert AuditEntry.objects.filter(action=AuditAction.PERMISSION_DENIED, object_id=str(original.pk)).exists()


def test_another_countys_line_is_404_for_a_county(client_as, persona):
    theirs = clone_scheme(default(SchemeKind.NATIONAL), region=other_county(persona), effective_from=DAY)
    client = client_as("county_perf")
    assert client.get(reverse("evaluations:scheme_detail", args=[theirs.pk])).status_code == 200  # rules are public
    assert client.get(new_version_url(theirs)).status_code == 404
    county = region_of("county_perf", persona)
    assert client.post(new_version_url(theirs), form_data(theirs, region=county.pk)).status_code == 404
    assert not EvaluationScheme.objects.filter(region=county).exists()


def test_a_region_outside_reach_is_refused_in_the_form(client_as, persona):
    original = default(SchemeKind.NATIONAL)
    response = client_as("county_perf").post(
        new_version_url(original), form_data(original, region=other_county(persona).pk)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["region"] == ["所选区划不在您可以设置的范围内"]
    assert not EvaluationScheme.objects.filter(region=other_county(persona)).exists()


def test_the_city_publishes_for_a_county_below_it(client_as, persona):
    county = region_of("county_perf", persona)
    original = default(SchemeKind.FOUR_E)
    response = client_as("perf").post(new_version_url(original), form_data(original, region=county.pk))
    assert response.status_code == 302
    assert EvaluationScheme.objects.filter(kind=SchemeKind.FOUR_E, region=county).exists()
