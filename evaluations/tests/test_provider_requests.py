"""A purchased service's provider answers data requests inside the self-evaluation (seed 000 第八条: 承接主体……配合开展
绩效评价): the unit asks while the form is editable; the provider reaches that request only, answers once, from its
待办; the answer shows on the form."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core import access, todo
from evaluations import provider_requests
from evaluations.models import ProviderDataRequest, SelfEvaluation
from evaluations.tests.self_helpers import form_of, funded_subject, open_round
from subjects.tests.helpers import add_purchased_service, user

pytestmark = pytest.mark.django_db
DUE = datetime.date(2026, 9, 30)  # after the demo's business date


@pytest.fixture
def service_form():
    subject = funded_subject("物业服务购买项目", kind="purchased_service")
    add_purchased_service(subject)
    return form_of(open_round(), subject)


def test_the_unit_asks_the_provider_answers_once_from_its_todo(service_form, client_as):
    request = provider_requests.ask(service_form, user("edu_preparer"), question="请提供全年服务工单统计", due_on=DUE)
    provider = user("provider")
    assert [i.url for i in todo.todos_for(provider) if i.kind == "提供数据"] == [request.get_absolute_url()]
    # the provider reaches this request only: not the form, not another unit's
    assert list(access.restrict(ProviderDataRequest.objects.all(), provider)) == [request]
    assert not access.restrict(SelfEvaluation.objects.all(), provider).exists()
    page = client_as("provider").get(request.get_absolute_url())
    assert page.status_code == 200 and "请提供全年服务工单统计" in page.content.decode()
    response = client_as("provider").post(request.get_absolute_url(), {"answer": "全年完成工单 1,250 件"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.answer == "全年完成工单 1,250 件" and request.answered_by == provider
    with pytest.raises(ValidationError):
        provider_requests.answer(request, provider, text="再答一次")
    assert not [i for i in todo.todos_for(provider) if i.kind == "提供数据"]
    # the unit reads the answer on its form's request page
    assert "1,250" in client_as("edu_preparer").get(request.get_absolute_url()).content.decode()


def test_only_a_purchased_service_with_a_provider_asks():
    subject = funded_subject("普通项目")
    form = form_of(open_round(), subject)
    with pytest.raises(ValidationError):
        provider_requests.ask(form, user("edu_preparer"), question="x", due_on=DUE)


def test_only_the_preparer_of_an_editable_form_asks_and_bad_input_is_named(service_form):
    with pytest.raises(PermissionDenied):
        provider_requests.ask(service_form, user("edu_reviewer"), question="x", due_on=DUE)
    with pytest.raises(ValidationError) as caught:
        provider_requests.ask(service_form, user("edu_preparer"), question="  ", due_on=DUE)
    assert "question" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        provider_requests.ask(service_form, user("edu_preparer"), question="x", due_on=datetime.date(2026, 1, 1))
    assert "due_on" in caught.value.message_dict


def test_someone_else_cannot_answer(service_form, client_as):
    request = provider_requests.ask(service_form, user("edu_preparer"), question="请提供数据", due_on=DUE)
    with pytest.raises(PermissionDenied):
        provider_requests.answer(request, user("edu_preparer"), text="代答")
    assert client_as("agency").get(request.get_absolute_url()).status_code == 404
    assert client_as("agency").post(request.get_absolute_url(), {"answer": "x"}).status_code == 404
