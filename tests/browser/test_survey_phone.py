"""The public answers a satisfaction survey on a phone (issue 14 §2; seed 003 第三十四条 公众评判法): a phone-sized
screen, no account; a required question left empty comes back marked; all answered, submitted, thanked; the same
device going back and submitting again is told it already answered. Then the performance section sees the response
in the results (charts drawn, nothing blocked by the CSP). The survey is made for this test (on the demo's
evaluation in fieldwork when there is one, else on a key evaluation of its own), so the demo's survey is untouched."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import UI, app_shell

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

_MAKE_SURVEY = """
from accounts.models import User
from keyevals.models import KeyEvaluation, KeyStatus, ObjectKind
from surveys import actions
perf = User.objects.get(username="perf")
evaluation = KeyEvaluation.objects.filter(status=KeyStatus.FIELDWORK, organiser=perf.organisation).order_by("pk").first()
if evaluation is None:
    evaluation = KeyEvaluation.objects.create(title="手机问卷测试评价", year=2026, organiser=perf.organisation,
        evaluated=User.objects.get(username="health_reviewer").organisation, object_kind=ObjectKind.POLICY,
        status=KeyStatus.FIELDWORK, created_by=perf)
survey = actions.create_survey(perf, evaluation, {"title": "居家养老服务满意度调查（手机测试）",
    "intro": "您好！本问卷匿名填写，约需 2 分钟。"})
actions.replace_questions(perf, survey, [
    {"kind": "single", "text": "您的年龄段", "options": ["60岁以下", "60–69岁", "70–79岁", "80岁及以上"]},
    {"kind": "multiple", "text": "您使用过哪些服务？", "options": ["助餐", "助洁", "助浴", "日间照料"]},
    {"kind": "rating", "text": "您对居家养老服务的总体满意程度", "scale": 5, "counts_toward_satisfaction": True,
     "satisfied_from": 4},
    {"kind": "single", "text": "补贴发放是否及时？", "options": ["非常满意", "满意", "一般", "不满意"],
     "counts_toward_satisfaction": True, "satisfied_options": ["非常满意", "满意"]},
    {"kind": "text", "text": "您有什么意见和建议？", "required": False},
])
survey = actions.publish(perf, survey)
print(survey.pk, survey.token)
"""


def test_a_phone_answers_the_survey_once(browser, live_app, ui_as):
    pk, token = app_shell(live_app, _MAKE_SURVEY).split()[-2:]
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        locale="zh-CN",
        base_url=live_app.url,
        user_agent="Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36",
    )
    context.set_default_timeout(15_000)
    ui = UI(context, live_app)
    page = ui.page
    try:
        ui.goto(f"/s/{token}/")
        expect(page.locator("#survey-title")).to_have_text("居家养老服务满意度调查（手机测试）")
        expect(page.locator("a")).to_have_count(0)  # no way into the application
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "the page scrolls sideways"
        ui.shot("survey-phone-form")

        # the required rating left empty: the page comes back with the message at that question
        page.get_by_label("70–79岁").check()
        page.get_by_label("助餐").check()
        with page.expect_navigation():
            page.locator("#submit-survey").tap()
        expect(page.locator("#notice")).to_contain_text("道题需要修改")
        rating = page.locator("fieldset[data-kind='rating']")
        expect(rating.locator(".err")).to_contain_text("此题为必答题")
        expect(page.get_by_label("70–79岁")).to_be_checked()  # what was answered is kept
        rating.scroll_into_view_if_needed()
        ui.shot("survey-phone-error")

        # a second tab of the same phone opens the form before the first is submitted
        second = context.new_page()
        ui.watch.attach(second)
        second.goto(f"/s/{token}/")

        # answer everything and submit
        rating.locator("label.opt").nth(4).tap()  # 5 分
        page.get_by_label("满意", exact=True).check()
        page.get_by_label("助浴").check()
        page.locator("textarea").fill("希望增加周末的助餐服务")
        with page.expect_navigation():
            page.locator("#submit-survey").tap()
        expect(page.locator("#thanks")).to_contain_text("提交成功，感谢您的参与")
        assert page.url.endswith(f"/s/{token}/thanks/")
        ui.shot("survey-phone-thanks")

        # reload: still thanked; the form again: the device already answered
        page.reload()
        expect(page.locator("#thanks")).to_be_visible()
        ui.goto(f"/s/{token}/")
        expect(page.locator("#duplicate")).to_contain_text("您已提交过本问卷，感谢参与")
        expect(page.locator("form")).to_have_count(0)

        # the second tab submits its (complete) answers: refused, nothing saved twice
        second.locator("fieldset[data-kind='rating'] label.opt").nth(3).tap()
        second.get_by_label("60岁以下").check()
        second.get_by_label("一般").check()
        with second.expect_navigation():
            second.locator("#submit-survey").tap()
        expect(second.locator("#duplicate")).to_contain_text("您已提交过本问卷，感谢参与")
        page = second
        ui.page = second
        ui.shot("survey-phone-duplicate")
        ui.assert_clean("the public survey page")
    finally:
        context.close()
    count = app_shell(
        live_app, f"from surveys.models import Response\nprint(Response.objects.filter(survey_id={pk}).count())"
    )
    assert count.split()[-1] == "1"

    # the performance section watches the response arrive
    desk = ui_as("perf")
    desk.goto(f"/surveys/{pk}/results/")
    expect(desk.page.locator("#arrivals-count")).to_contain_text("1")
    expect(desk.page.locator("[data-chart='survey-bar'][data-rendered='1']").first).to_be_visible()
    expect(desk.page.locator(".free-texts")).to_contain_text("希望增加周末的助餐服务")
    desk.shot("survey-results")
    desk.goto(f"/surveys/{pk}/")
    expect(desk.page.locator("#survey-qr")).to_be_visible()
    desk.shot("survey-design-published")
