"""One size rule for every uploaded file, checked by the model's validation (pages and API alike)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.files import validate_upload_size


def test_a_file_over_the_limit_is_refused_with_its_size(settings):
    settings.JIXIAO_MAX_UPLOAD_BYTES = 1024 * 1024
    big = SimpleUploadedFile("大文件.pdf", b"%PDF-1.4" + b"x" * (1024 * 1024 + 1))
    big._committed = False
    with pytest.raises(ValidationError, match="不能超过 1 MB"):
        validate_upload_size(big)
    small = SimpleUploadedFile("小文件.pdf", b"%PDF-1.4" + b"x" * 10)
    small._committed = False
    validate_upload_size(small)


@pytest.mark.django_db
def test_every_file_field_carries_the_rule():
    from assessments.models import AssessmentEvidence
    from reports.models import WorkReport
    from subjects.models import SubjectAttachment

    for model, name in [(WorkReport, "attachment"), (SubjectAttachment, "file"), (AssessmentEvidence, "file")]:
        assert validate_upload_size in model._meta.get_field(name).validators, model


def test_a_plain_request_upload_is_checked_too(settings):
    """A form field's UploadedFile has no ``_committed``: it is new, so the limit applies."""
    settings.JIXIAO_MAX_UPLOAD_BYTES = 1024 * 1024
    with pytest.raises(ValidationError, match="不能超过 1 MB"):
        validate_upload_size(SimpleUploadedFile("大文件.xlsx", b"x" * (1024 * 1024 + 1)))
