"""The demo library: loaded with the test database (scale small); a second run creates nothing."""

import pytest

from demo.seed import seed
from subjects.choices import LibraryStage, SubjectKind
from subjects.models import PurchasedServiceDetail, Subject
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db


def test_demo_library_covers_states_kinds_and_is_idempotent():
    count = Subject.objects.count()
    assert count >= 60
    stages = set(Subject.objects.values_list("stage", flat=True))
    assert {
        LibraryStage.PENDING,
        LibraryStage.ADMITTED,
        LibraryStage.FUNDED,
        LibraryStage.EXECUTING,
        LibraryStage.COMPLETED,
    } <= stages
    statuses = set(Subject.objects.values_list("status", flat=True))
    assert {ReviewStatus.DRAFT, ReviewStatus.IN_REVIEW, ReviewStatus.RETURNED, ReviewStatus.APPROVED} <= statuses
    assert Subject.objects.filter(kind=SubjectKind.PURCHASED_SERVICE).count() == PurchasedServiceDetail.objects.count()
    assert PurchasedServiceDetail.objects.filter(provider__name="示范物业服务有限公司").exists()
    # every subject has its current year's money, in yuan to the fen
    assert not Subject.objects.exclude(year_amounts__fiscal_year=models_fiscal_year()).exists()
    seed("small")
    assert Subject.objects.count() == count


def models_fiscal_year():
    from django.db.models import F

    return F("fiscal_year")


def test_showcase_of_the_school_went_through_the_real_actions():
    school = Subject.objects.filter(organisation__name="示范市第一中学")
    assert school.filter(status=ReviewStatus.RETURNED, reviews__opinion__contains="分项测算").exists()
    assert school.filter(stage=LibraryStage.COMPLETED).exists() or school.filter(status=ReviewStatus.IN_REVIEW).exists()
