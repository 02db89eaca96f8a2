"""A finance desk (业务科室) reads the spot re-checks of the departments it is 归口 for — the draw, the re-check blind to
the unit's score until submitted, the list, the notice and the API — and changes none of them; a desk of other
departments reads nothing (seed 001 第二十一条: 财政部门 … 抽查复核; the gate's ``access_scope_routes``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Action
from core import access
from core.testing import client_for
from evaluations import recheck_actions
from evaluations.models import RecheckIndicator, RecheckItem, RecheckSample, SelfEvaluationRound
from evaluations.tests.self_helpers import fill_and_submit, form_of, funded_subject, open_round
from organisations.models import Organisation
from subjects.tests.helpers import user

pytestmark = pytest.mark.django_db
JSON = "application/json"


@pytest.fixture
def sample():
    subjects = [funded_subject(f"科室复核项目{i}", arranged=f"{(i + 1) * 100000}.00") for i in range(3)]
    evaluation_round = open_round()
    for s in subjects:
        fill_and_submit(form_of(evaluation_round, s))
    return recheck_actions.draw_sample(user("perf"), evaluation_round, seed=2025, minimum=2)


def test_the_desk_of_the_department_reads_the_draw_and_its_rechecks(sample):
    desk = client_for("desk_edu")
    item = sample.items.order_by("pk").first()
    page = desk.get(reverse("evaluations:sample", args=[sample.pk]))
    assert page.status_code == 200 and item.evaluation.subject.name in page.content.decode()
    body = desk.get(reverse("evaluations:recheck", args=[item.pk])).content.decode()
    assert item.evaluation.subject.name in body
    listed = desk.get(reverse("evaluations:recheck_list")).content.decode()
    assert item.evaluation.subject.name in listed
    assert desk.get(f"/api/rechecks/{item.pk}/").status_code == 200
    assert desk.get(f"/api/recheck-samples/{sample.pk}/").status_code == 200
    # the 通报 is the performance section's to issue: exporting is not part of a desk's read-only reach
    assert desk.get(reverse("evaluations:sample_notice", args=[sample.pk])).status_code == 404
    desk_user = user("desk_edu")
    assert access.restrict(RecheckIndicator.objects.filter(item=item), desk_user).exists()
    assert access.can(desk_user, Action.VIEW, sample.round)  # the round the draw belongs to, by its region


def test_the_desk_reads_but_never_rechecks_assigns_or_sees_the_self_score_early(sample):
    desk = client_for("desk_edu")
    item = sample.items.order_by("pk").first()
    RecheckItem.objects.filter(pk=item.pk).update(self_score="87.65")
    assert "87.65" not in desk.get(reverse("evaluations:recheck", args=[item.pk])).content.decode()
    assert "self_score" not in desk.get(f"/api/rechecks/{item.pk}/").json()
    assert desk.post(reverse("evaluations:recheck", args=[item.pk]), {"do": "save"}).status_code in (403, 404)
    response = desk.patch(f"/api/rechecks/{item.pk}/", {"version": 1, "opinion": "x"}, content_type=JSON)
    assert response.status_code in (403, 404)
    url = reverse("evaluations:sample_assign", args=[sample.pk, item.pk])
    assert desk.post(url, {f"item{item.pk}-rechecker": str(user("perf").pk)}).status_code in (403, 404)
    item.refresh_from_db()
    assert item.version == 1 and item.opinion == "" and item.rechecker_id is None
    assert not recheck_actions.can_recheck(user("desk_edu"), item)


def test_a_desk_of_other_departments_reads_nothing(sample):
    desk = client_for("desk_social")
    item = sample.items.order_by("pk").first()
    assert desk.get(reverse("evaluations:recheck", args=[item.pk])).status_code == 404
    assert desk.get(f"/api/rechecks/{item.pk}/").status_code == 404
    assert item.evaluation.subject.name not in desk.get(reverse("evaluations:recheck_list")).content.decode()
    # the draw of its region is readable, but lists none of the other desks' re-checks
    page = desk.get(reverse("evaluations:sample", args=[sample.pk]))
    assert page.status_code == 200 and item.evaluation.subject.name not in page.content.decode()
    assert desk.get(reverse("evaluations:sample_notice", args=[sample.pk])).status_code == 404
    desk_user = user("desk_social")
    assert not access.restrict(RecheckItem.objects.filter(sample=sample), desk_user).exists()
    assert not access.restrict(RecheckIndicator.objects.filter(item__sample=sample), desk_user).exists()


def test_a_routed_reach_never_allows_creating(sample):
    """``access_scope_routes`` is read-only reach: a desk creates no draw, re-check or round anywhere."""
    desk_user = user("desk_edu")
    department = sample.items.first().evaluation.department or Organisation.objects.get(
        pk=sample.items.first().evaluation.organisation_id
    )
    for model in (RecheckSample, RecheckItem, RecheckIndicator, SelfEvaluationRound):
        assert not access.can_create_in(desk_user, model, department)
        assert not access.can_create_in(desk_user, model, sample.round.organisation)


def test_the_desk_reads_the_round_page_and_list_but_runs_nothing(sample):
    desk = client_for("desk_edu")
    evaluation_round = sample.round
    page = desk.get(reverse("evaluations:round", args=[evaluation_round.pk]))
    assert page.status_code == 200 and evaluation_round.name in page.content.decode()
    assert evaluation_round.name in desk.get(reverse("evaluations:rounds")).content.decode()
    for name in ("round_rerun", "round_close"):
        assert desk.post(reverse(f"evaluations:{name}", args=[evaluation_round.pk])).status_code in (403, 404)
    evaluation_round.refresh_from_db()
    assert evaluation_round.closed_at is None
    assert client_for("desk_social").get(reverse("evaluations:round", args=[evaluation_round.pk])).status_code == 200
