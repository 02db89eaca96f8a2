"""One assessment of each kind in progress per subject, held by the database too (issue 17 §8): two starts at the same
moment cannot both get past ``start_assessment``'s check."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assessments.models import Assessment
from core import services
from workflow.models import ReviewStatus

pytestmark = pytest.mark.django_db

MESSAGE = "该项目已有未办结的同类事前绩效评估，请先办结后再发起"


def open_assessment() -> Assessment:
    assessment = Assessment.objects.exclude(status=ReviewStatus.APPROVED).select_related("subject").first()
    assert assessment is not None, "the demo has an assessment in progress"
    return assessment


def twin(of: Assessment) -> Assessment:
    return Assessment(subject=of.subject, kind=of.kind, agency=of.agency, template=of.template)


def test_a_second_open_assessment_of_the_same_kind_is_refused_in_chinese():
    with pytest.raises(ValidationError) as refused:
        services.create_record(twin(open_assessment()))
    assert MESSAGE in refused.value.messages


def test_the_database_refuses_it_when_the_check_is_bypassed():
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.bulk_create([twin(open_assessment())])


def test_once_approved_a_new_one_may_start():
    assessment = open_assessment()
    Assessment.objects.filter(pk=assessment.pk).update(status=ReviewStatus.APPROVED)
    Assessment.objects.bulk_create([twin(assessment)])
    assert Assessment.objects.filter(subject=assessment.subject, kind=assessment.kind).count() >= 2
