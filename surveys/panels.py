"""The surveys panel of a record's page (a key evaluation): ``panel_for(record, user)`` → the context of
templates/surveys/_panel.html — the record's surveys in the user's reach with their state, response count and
overall satisfaction rate, links to design and results, and 新建问卷 when the user may create one."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.urls import reverse

from core import access
from surveys import actions, results
from surveys.models import Survey


def panel_for(record, user) -> dict:
    surveys = (
        access.restrict(
            Survey.objects.filter(content_type=ContentType.objects.get_for_model(type(record)), object_id=record.pk),
            user,
        )
        .annotate(response_count=Count("responses"))
        .order_by("created_at", "pk")
    )
    rows = []
    for survey in surveys:
        estimate = results.overall_only(survey)
        rows.append(
            {
                "survey": survey,
                "responses": survey.response_count,
                "rate": estimate.percent() if estimate.n else "—",
                "margin": estimate.margin_percent() if estimate.n and estimate.enough else "",
                "enough": estimate.enough,
                "n": estimate.n,
                "detail_url": reverse("surveys:detail", args=[survey.pk]),
                "results_url": reverse("surveys:results", args=[survey.pk]),
            }
        )
    may_create = actions.may_create_for(user, record) if record.__class__.__name__ == "KeyEvaluation" else False
    return {
        "record": record,
        "rows": rows,
        "can_create": may_create,
        "create_url": reverse("surveys:new", args=[record.pk]) if may_create else "",
    }
