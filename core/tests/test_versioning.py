"""Rules as versioned data (core/versioning.py), with light thresholds (regional, dated), review chains (switched
off) and common indicator sets (one line per fiscal year) as the worked examples."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from core import clock, versioning
from monitoring.models import LightThresholds
from organisations.models import Region
from workflow.models import ChainDefinition

pytestmark = pytest.mark.django_db
D = datetime.date


def region(code):
    return Region.objects.get(code=code)


def thresholds(region_obj, effective, red="0.60", version=None):
    row = LightThresholds(region=region_obj, effective_from=effective, execution_red_below=Decimal(red))
    if version is None:
        return versioning.save_new_version(row, reason="测试")
    row.version = version
    row.save()
    return row


@pytest.fixture
def lines():
    LightThresholds.objects.all().delete()
    city, county = region("990100"), Region.objects.filter(parent__code="990100").order_by("code").first()
    return {
        "default": thresholds(None, D(2026, 1, 1), "0.50"),
        "city_jan": thresholds(city, D(2026, 1, 1), "0.61"),
        "city_jul": thresholds(city, D(2026, 7, 1), "0.62"),
        "city_jul_v3": thresholds(city, D(2026, 7, 1), "0.63"),
        "city_dec": thresholds(city, D(2026, 12, 1), "0.64"),
        "city": city,
        "county": county,
    }


def test_the_nearest_region_wins_then_the_latest_date_then_the_highest_version(lines):
    city, county = lines["city"], lines["county"]
    assert versioning.in_force(LightThresholds, city, D(2026, 3, 1)) == lines["city_jan"]
    # two versions effective on the same day: the higher number
    assert versioning.in_force(LightThresholds, city, D(2026, 9, 15)) == lines["city_jul_v3"]
    # a version published ahead of its date is not in force before it
    assert versioning.in_force(LightThresholds, city, D(2026, 11, 30)) == lines["city_jul_v3"]
    assert versioning.in_force(LightThresholds, city, D(2026, 12, 1)) == lines["city_dec"]
    # a county inherits its city's line; the province (above the city) has none, so the default applies there
    assert versioning.in_force(LightThresholds, county, D(2026, 9, 15)) == lines["city_jul_v3"]
    assert versioning.in_force(LightThresholds, region("990000"), D(2026, 9, 15)) == lines["default"]
    # before any version: nothing
    assert versioning.in_force(LightThresholds, city, D(2025, 12, 31)) is None
    # the business today by default
    with clock.pinned(D(2026, 12, 2)):
        assert versioning.in_force(LightThresholds, county) == lines["city_dec"]


def test_a_county_line_of_its_own_overrides_the_city(lines):
    county = lines["county"]
    own = thresholds(county, D(2026, 8, 1), "0.70")
    assert versioning.in_force(LightThresholds, county, D(2026, 9, 15)) == own
    assert versioning.in_force(LightThresholds, county, D(2026, 7, 31)) == lines["city_jul_v3"]


def test_the_set_based_answer_equals_the_one_by_one_answer_for_every_region(lines):
    thresholds(lines["county"], D(2026, 8, 1), "0.70")
    on = D(2026, 9, 15)
    default, by_region = versioning.in_force_by_region(LightThresholds, on)
    assert default == lines["default"]
    for r in Region.objects.all():
        expected = versioning.in_force(LightThresholds, r, on)
        assert by_region.get(r.pk, default) == expected, r.code


def test_a_switched_off_version_never_applies():
    chain = ChainDefinition.objects.filter(region__isnull=True, is_active=True).first()
    label = chain.document_type
    assert versioning.in_force(ChainDefinition, None, document_type=label) == chain
    ChainDefinition.objects.filter(pk=chain.pk).update(is_active=False)
    assert versioning.in_force(ChainDefinition, None, document_type=label) != chain


def test_a_new_version_is_numbered_audited_and_never_an_edit(lines):
    city = lines["city"]
    assert versioning.next_version(LightThresholds, city) == 5
    row = versioning.save_new_version(
        LightThresholds(region=city, effective_from=D(2027, 1, 1)), reason="新年度阈值", changes={"说明": [None, "x"]}
    )
    assert row.version == 5
    entry = AuditEntry.objects.filter(object_type="monitoring.lightthresholds", object_id=str(row.pk)).get()
    assert entry.changes["版本"] == [None, 5] and entry.reason == "新年度阈值"
    with pytest.raises(ValidationError, match="另存为新版本"):
        versioning.save_new_version(row)


def test_a_model_must_declare_how_it_is_versioned():
    with pytest.raises(TypeError, match="Versioning"):
        versioning.in_force(Region)
