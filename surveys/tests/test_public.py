"""The anonymous survey page (issue 14 §2; seed 003 第三十四条 公众评判法: 公众问卷): no account needed; the page
reaches nothing but its survey; a device answers once; a flood from one address is refused with 429; bad answers
come back with the message at the question and nothing saved."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from core import clock
from surveys import submission
from surveys.models import Answer, Response, Survey, SurveyStatus
from surveys.tests.fixtures import days_ago, make_evaluation, make_survey, user

pytestmark = pytest.mark.django_db


def url(survey) -> str:
    return f"/s/{survey.token}/"


def questions(survey):
    return list(survey.questions.order_by("order"))


def good_answers(survey) -> dict:
    rating, single, multiple, text = questions(survey)
    return {f"q{rating.pk}": "5", f"q{single.pk}": "满意", f"q{multiple.pk}": ["助餐", "助浴"], f"q{text.pk}": "很好"}


def answered(client: Client, survey, data=None, **extra):
    client.get(url(survey), **extra)  # the device cookie
    return client.post(url(survey), data or good_answers(survey), **extra)


# ---------------------------------------------------------------------------------------------- no account, no reach


def test_the_public_answers_without_an_account():
    survey = make_survey()
    client = Client()
    page = client.get(url(survey))
    assert page.status_code == 200
    text = page.content.decode()
    assert "测试问卷" in text and "总体满意程度" in text and 'name="viewport"' in text
    response = client.post(url(survey), good_answers(survey))
    assert response.status_code == 302 and response["Location"] == f"/s/{survey.token}/thanks/"
    thanks = client.get(response["Location"])
    assert "提交成功，感谢您的参与" in thanks.content.decode()
    saved = Response.objects.get(survey=survey)
    by_question = {a.question.text: a for a in saved.answers.select_related("question")}
    assert by_question["总体满意程度"].rating == 5
    assert by_question["补贴发放是否及时"].choices == ["满意"]
    assert by_question["使用过的服务"].choices == ["助餐", "助浴"]
    assert by_question["意见和建议"].text == "很好"


def test_the_page_reaches_nothing_else():
    """No link, script or address of the application on the page; its context holds the survey and nothing more."""
    survey = make_survey()
    page = Client().get(url(survey))
    text = page.content.decode()
    assert "<a " not in text and "<script" not in text
    assert re.findall(r"href=\"([^\"]*)\"", text) == ["data:,"]  # the icon: none, so no request for one
    assert not re.search(r"/(surveys|keyevals|accounts|api|static)/", text)
    assert 'action="' not in text  # the form posts to its own address
    keys = set(page.context.keys()) - {"True", "False", "None", "block", "forloop", "row", "q", "o", "p"}
    assert keys == {"survey", "rows", "notice", "csrf_token"}
    # the evaluation behind the survey is not named
    assert "测试满意度评价" not in text


def test_a_draft_or_unknown_token_is_404_and_the_app_needs_a_sign_in():
    draft = make_survey(publish=False)
    client = Client()
    for address in (url(draft), "/s/no-such-token/", "/s/", "/s/x/y/z/", f"/s/{'a' * 60}/"):
        response = client.get(address)
        assert response.status_code == 404, address
        assert "问卷不存在" in response.content.decode()
        assert "<a " not in response.content.decode()
    assert client.post(url(draft), {}).status_code == 404
    assert not Response.objects.filter(survey=draft).exists()
    # the designer and the results are the application's: anonymous → the sign-in page
    published = make_survey()
    for address in (f"/surveys/{published.pk}/", f"/surveys/{published.pk}/results/", "/api/surveys/"):
        assert client.get(address).status_code in (302, 401, 403), address


def test_a_signed_in_user_answers_the_same_page_without_the_shell():
    survey = make_survey()
    client = Client()
    client.force_login(user("perf"))
    page = client.get(url(survey))
    assert page.status_code == 200 and "nav" not in page.content.decode().lower()


def test_the_shell_context_processor_is_quiet_for_anonymous_users():
    from core.context_processors import shell

    request = RequestFactory().get("/s/abc/")
    request.user = AnonymousUser()
    assert shell(request) == {}


def test_closed_or_outside_its_window_the_page_says_so():
    survey = make_survey()
    Survey.objects.filter(pk=survey.pk).update(status=SurveyStatus.CLOSED)
    client = Client()
    page = client.get(url(survey))
    assert page.status_code == 200 and "调查已结束" in page.content.decode()
    client.post(url(survey), good_answers(survey))
    assert not Response.objects.filter(survey=survey).exists()

    later = make_survey(opens_at=clock.now() + datetime.timedelta(days=2))
    assert "调查尚未开始" in Client().get(url(later)).content.decode()
    assert Client().post(url(later), good_answers(later)).status_code == 200
    assert not Response.objects.filter(survey=later).exists()

    ended = make_survey(closes_at=clock.now() + datetime.timedelta(days=1))
    Survey.objects.filter(pk=ended.pk).update(closes_at=days_ago(1))
    assert "调查已结束" in Client().get(url(ended)).content.decode()


# ---------------------------------------------------------------------------------------------- one device, one answer


def test_a_second_submission_from_the_device_is_refused_and_nothing_saved():
    survey = make_survey()
    client = Client()
    answered(client, survey)
    assert Response.objects.filter(survey=survey).count() == 1
    again = client.post(url(survey), good_answers(survey))
    assert again.status_code == 200 and "您已提交过本问卷，感谢参与" in again.content.decode()
    # and the page itself says so, without the form
    page = client.get(url(survey))
    assert "您已提交过本问卷" in page.content.decode() and "<form" not in page.content.decode()
    assert Response.objects.filter(survey=survey).count() == 1
    # another device may answer
    answered(Client(), survey)
    assert Response.objects.filter(survey=survey).count() == 2


def test_two_identical_submits_at_once_meet_the_unique_index(monkeypatch):
    """The check before the insert missed the twin (it had not committed yet): the unique (survey, device) index
    refuses the second, which the page reports as a duplicate."""
    survey = make_survey()
    device = submission.device_hash("x" * 32)
    parsed = submission.parse(questions(survey), _querydict(good_answers(survey)))
    submission.submit(survey, device, submission.address_hash("10.0.0.1"), parsed)
    monkeypatch.setattr(submission, "already_answered", lambda *a: False)
    with pytest.raises(submission.Refused) as refused:
        submission.submit(survey, device, submission.address_hash("10.0.0.1"), parsed)
    assert refused.value.kind == "duplicate"
    assert Response.objects.filter(survey=survey).count() == 1


def test_the_device_cookie_is_random_long_lived_httponly_and_lax_and_only_its_hash_is_kept():
    survey = make_survey()
    client = Client()
    page = client.get(url(survey), REMOTE_ADDR="203.0.113.9")
    cookie = page.cookies[submission.DEVICE_COOKIE]
    assert len(cookie.value) >= 24 and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    other = Client().get(url(survey)).cookies[submission.DEVICE_COOKIE].value
    assert other != cookie.value
    client.post(url(survey), good_answers(survey), REMOTE_ADDR="203.0.113.9")
    saved = Response.objects.get(survey=survey)
    assert saved.device == submission.device_hash(cookie.value) and cookie.value not in saved.device
    assert saved.address == submission.address_hash("203.0.113.9") and "203.0.113" not in saved.address


def test_a_post_without_the_device_cookie_saves_nothing():
    survey = make_survey()
    response = Client().post(url(survey), good_answers(survey))
    assert response.status_code == 200 and "Cookie" in response.content.decode()
    assert not Response.objects.filter(survey=survey).exists()


def test_the_csrf_check_holds_for_the_anonymous_page():
    survey = make_survey()
    client = Client(enforce_csrf_checks=True)
    page = client.get(url(survey))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    assert client.post(url(survey), good_answers(survey)).status_code == 403
    assert not Response.objects.filter(survey=survey).exists()
    done = client.post(url(survey), {**good_answers(survey), "csrfmiddlewaretoken": token})
    assert done.status_code == 302 and Response.objects.filter(survey=survey).count() == 1


# ---------------------------------------------------------------------------------------------- the flood


def test_a_flood_from_one_address_gets_429_after_the_hourly_limit(settings):
    """Issue 14 "a survey flooded from one address": new devices (cleared cookies) from one address."""
    settings.JIXIAO_SURVEY_PER_HOUR = 3
    survey = make_survey()
    codes = [answered(Client(), survey, REMOTE_ADDR="198.51.100.7").status_code for _ in range(6)]
    assert codes == [302, 302, 302, 429, 429, 429]
    refused = answered(Client(), survey, REMOTE_ADDR="198.51.100.7")
    assert "该网络提交的答卷过多，请稍后再试" in refused.content.decode()
    assert Response.objects.filter(survey=survey).count() == 3
    assert Answer.objects.filter(response__survey=survey).count() == 3 * 4
    # another address is not held up
    assert answered(Client(), survey, REMOTE_ADDR="198.51.100.8").status_code == 302


def test_the_daily_limit_counts_the_days_responses_in_the_database(settings):
    settings.JIXIAO_SURVEY_PER_HOUR = 100
    settings.JIXIAO_SURVEY_PER_DAY = 4
    survey = make_survey()
    address = submission.address_hash("198.51.100.20")
    for i, hours in enumerate((3, 5, 30)):  # two today, one yesterday
        Response.objects.create(
            survey=survey, device=f"old{i}", address=address, submitted_at=clock.now() - datetime.timedelta(hours=hours)
        )
    codes = [answered(Client(), survey, REMOTE_ADDR="198.51.100.20").status_code for _ in range(4)]
    assert codes == [302, 302, 429, 429]
    assert Response.objects.filter(survey=survey, address=address).count() == 5


# ---------------------------------------------------------------------------------------------- bad answers


def _querydict(data: dict):
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for key, value in data.items():
        q.setlist(key, value if isinstance(value, list) else [value])
    return q


@pytest.mark.parametrize(
    "change, message",
    [
        ({"rating": ""}, "此题为必答题，请选择"),
        ({"single": "还行"}, "选择了问卷中没有的选项"),
        ({"rating": "6"}, "评分应为 1 至 5 分"),
        ({"rating": "0"}, "评分应为 1 至 5 分"),
        ({"rating": "４"}, "评分应为 1 至 5 分"),
        ({"multiple": ["助餐", "按摩"]}, "选择了问卷中没有的选项"),
        ({"single": ["满意", "一般"]}, "此题只能选一项"),
        ({"text": "长" * 2001}, "回答不能超过 2000 字"),
    ],
)
def test_a_bad_answer_comes_back_with_the_message_at_the_question(change, message):
    survey = make_survey()
    rating, single, multiple, text = questions(survey)
    names = {"rating": rating, "single": single, "multiple": multiple, "text": text}
    data = good_answers(survey)
    for key, value in change.items():
        data[f"q{names[key].pk}"] = value
    client = Client()
    client.get(url(survey))
    response = client.post(url(survey), data)
    assert response.status_code == 200
    page = response.content.decode()
    question = next(names[k] for k in change)
    assert re.search(rf'id="err-q{question.pk}"[^>]*>{re.escape(message)}', page), page[:3000]
    assert "有 1 道题需要修改" in page
    assert not Response.objects.filter(survey=survey).exists()


def test_the_page_keeps_what_was_answered_when_it_comes_back():
    survey = make_survey()
    rating, single, multiple, text = questions(survey)
    client = Client()
    client.get(url(survey))
    page = client.post(url(survey), {f"q{single.pk}": "满意", f"q{multiple.pk}": ["助浴"], f"q{text.pk}": "<b>x</b>"})
    body = page.content.decode()
    assert re.search(rf'name="q{single.pk}" value="满意" checked', body)
    assert re.search(rf'name="q{multiple.pk}" value="助浴" checked', body)
    assert "&lt;b&gt;x&lt;/b&gt;" in body and "<b>x</b>" not in body
    assert f'id="err-q{rating.pk}"' in body


# ---------------------------------------------------------------------------------------------- cost


def test_the_public_page_costs_few_queries(django_assert_max_num_queries):
    """GET: the survey (with its owner), the device's earlier response, the questions. POST adds the locked survey,
    the duplicate and limit counts and two inserts."""
    survey = make_survey()
    client = Client()
    client.get(url(survey))
    with django_assert_max_num_queries(3):
        assert client.get(url(survey)).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.post(url(survey), good_answers(survey)).status_code == 302


def test_the_evaluation_may_be_anything_the_survey_serves():
    """The public page never reads the record the survey serves (nor its title)."""
    evaluation = make_evaluation("不对外公开的评价名称")
    survey = make_survey(evaluation)
    assert "不对外公开的评价名称" not in Client().get(url(survey)).content.decode()
