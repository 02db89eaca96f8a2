"""The demo's satisfaction surveys (issue 14 §2; seed 003 第三十四条 公众评判法): runs after the other key-evaluation
seeders and finds their evaluations by title (keyevals.demo); an evaluation that is not there is skipped quietly.

* On ``DEMO_FIELDWORK_TITLE`` (in 评价实施): a published survey of the service's users, 7 questions (age, services
  used, an overall 1–5 rating and two other satisfaction questions, punctuality, suggestions), about 120 responses
  from 2026-08-25 to the day before the demo's today, satisfaction around 85 %; open until the end of September.
* On ``DEMO_FINANCE_TITLE`` (finished): a closed survey of patients with about 60 responses, taken during its fieldwork.

The surveys are designed and published through ``surveys.actions`` by 李绩效 (perf) on pinned business dates; the
responses are generated with the seeder's random numbers (their device and address hashes from synthetic ids, as
the public page would store them) and written in bulk, as the public page writes them: not audited one by one.
Idempotent: a survey found by its title on its evaluation is left alone; each survey is one transaction."""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.context import acting_as
from core import clock
from demo.seed import register

D = datetime.date
FIELDWORK_SURVEY = "社区居家养老服务补贴政策满意度调查"
FINANCE_SURVEY = "基层医疗卫生服务满意度调查"

SATISFIED_5 = ["非常满意", "满意", "一般", "不满意", "非常不满意"]

FIELDWORK_QUESTIONS = [
    {"kind": "single", "text": "您的年龄段", "options": ["60岁以下（家属代答）", "60–69岁", "70–79岁", "80岁及以上"]},
    {
        "kind": "multiple",
        "text": "您使用过哪些居家养老服务？",
        "options": ["助餐", "助洁", "助浴", "助医", "日间照料", "上门探访"],
    },
    {
        "kind": "rating",
        "text": "您对居家养老服务的总体满意程度",
        "scale": 5,
        "counts_toward_satisfaction": True,
        "satisfied_from": 4,
    },
    {
        "kind": "single",
        "text": "您对养老服务补贴发放的及时性是否满意？",
        "options": SATISFIED_5,
        "counts_toward_satisfaction": True,
        "satisfied_options": ["非常满意", "满意"],
    },
    {
        "kind": "rating",
        "text": "您对服务人员服务态度的评价",
        "scale": 5,
        "counts_toward_satisfaction": True,
        "satisfied_from": 4,
    },
    {"kind": "single", "text": "服务人员上门是否准时？", "options": ["总是准时", "大多准时", "经常迟到"]},
    {"kind": "text", "text": "您对改进居家养老服务有什么意见和建议？", "required": False},
]

FINANCE_QUESTIONS = [
    {"kind": "single", "text": "您最近一次就诊的机构", "options": ["社区卫生服务中心", "乡镇卫生院", "村卫生室"]},
    {
        "kind": "rating",
        "text": "您对基层医疗卫生机构服务的总体满意程度",
        "scale": 5,
        "counts_toward_satisfaction": True,
        "satisfied_from": 4,
    },
    {
        "kind": "single",
        "text": "您认为候诊时间如何？",
        "options": ["很短", "可以接受", "较长", "太长"],
        "counts_toward_satisfaction": True,
        "satisfied_options": ["很短", "可以接受"],
    },
    {
        "kind": "multiple",
        "text": "您希望基层医疗机构增加哪些服务？",
        "options": ["慢病管理", "家庭医生签约", "中医服务", "预防接种", "健康体检"],
        "required": False,
    },
    {"kind": "text", "text": "其他意见和建议", "required": False},
]

SUGGESTIONS = [
    "希望助餐点的菜品再软烂一些，适合老人牙口。",
    "补贴到账时间能否固定在每月上旬。",
    "上门服务前请提前电话联系。",
    "希望增加周末的日间照料服务。",
    "服务人员很耐心，感谢！",
    "助浴服务预约太难，名额偏少。",
    "希望子女在外地也能在手机上查到服务记录。",
    "",
]
PATIENT_NOTES = ["药品品种希望再多一些。", "家庭医生随访很及时。", "周末也能看病就好了。", "检查设备有些老旧。", ""]

# Weights over 5…1 points and over the satisfied-first options: about 85 % satisfied.
RATING_WEIGHTS = [45, 40, 10, 3, 2]
CHOICE_WEIGHTS = [40, 46, 9, 4, 1]


def _title(name: str, fallback: str) -> str:
    from keyevals import demo

    return getattr(demo, name, fallback)


@register
def seed_surveys(seeder) -> None:
    from keyevals.models import KeyEvaluation

    perf = User.objects.filter(username="perf").first()
    if perf is None:
        return
    plans = [
        (
            _title("DEMO_FIELDWORK_TITLE", "2026年度社区居家养老服务补贴政策事中评价"),
            FIELDWORK_SURVEY,
            FIELDWORK_QUESTIONS,
            {
                "intro": "您好！为了解社区居家养老服务补贴政策的实施效果，受市财政局委托开展本次调查。问卷匿名填写，约需 3 分钟。",
                "population": 3200,
                "closes_at": _at(D(2026, 9, 30), 23, 59),
            },
            (D(2026, 8, 20), D(2026, 8, 25), D(2026, 9, 14)),
            120,
            False,
        ),
        (
            _title("DEMO_FINANCE_TITLE", "2025年度基层医疗卫生机构运行补助资金重点评价"),
            FINANCE_SURVEY,
            FINANCE_QUESTIONS,
            {"intro": "您好！为了解基层医疗卫生机构的服务情况，开展本次匿名调查，感谢您的参与。"},
            (D(2026, 2, 25), D(2026, 3, 1), D(2026, 3, 20)),
            60,
            True,
        ),
    ]
    for evaluation_title, survey_title, questions, fields, dates, count, close in plans:
        evaluation = KeyEvaluation.objects.filter(title=evaluation_title).first()
        if evaluation is None or _exists(evaluation, survey_title):
            continue
        _survey(seeder, perf, evaluation, survey_title, questions, fields, dates, count, close)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _exists(evaluation, title: str) -> bool:
    from surveys.models import Survey

    return Survey.objects.filter(
        content_type=ContentType.objects.get_for_model(type(evaluation)), object_id=evaluation.pk, title=title
    ).exists()


def _survey(seeder, perf, evaluation, title, questions, fields, dates, count, close) -> None:
    from django.core.exceptions import PermissionDenied, ValidationError

    from surveys import actions

    created_on, published_on, last_day = dates
    try:
        with transaction.atomic(), acting_as(perf):
            with clock.pinned(created_on):
                survey = actions.create_survey(perf, evaluation, {"title": title, **fields})
                actions.replace_questions(perf, survey, questions)
            with clock.pinned(published_on):
                survey = actions.publish(perf, survey)
            made = _responses(seeder, survey, published_on, last_day, count)
            if close:
                with clock.pinned(last_day + datetime.timedelta(days=1)):
                    actions.close(perf, survey)
    except (ValidationError, PermissionDenied) as exc:
        seeder.out(f"  演示满意度调查未能生成：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")
        return
    seeder.created += 1 + made


def _pick(rng, options: list[str], weights: list[int]) -> str:
    return rng.choices(options, weights=weights[: len(options)] or None)[0]


def _responses(seeder, survey, first: datetime.date, last: datetime.date, count: int) -> int:
    from surveys import submission
    from surveys.models import Answer, Response

    rng = seeder.rng
    days = (last - first).days + 1
    questions = list(survey.questions.order_by("order"))
    texts = SUGGESTIONS if survey.title == FIELDWORK_SURVEY else PATIENT_NOTES
    rows = []
    for i in range(count):
        # Arrivals thin out after the first week, as a link shared in community groups does.
        day = first + datetime.timedelta(days=min(days - 1, int(rng.expovariate(1 / (days / 3)))))
        at = _at(day, rng.randint(8, 20), rng.randint(0, 59))
        device = submission.device_hash(f"demo-{survey.pk}-device-{i}")
        address = submission.address_hash(f"10.{survey.pk % 200}.{i // 3 % 250}.{rng.randint(1, 254)}")
        rows.append(
            (Response(survey=survey, device=device, address=address, submitted_at=at), _answers(rng, questions, texts))
        )
    Response.objects.bulk_create([r for r, _ in rows])
    saved = {r.device: r for r in Response.objects.filter(survey=survey)}
    Answer.objects.bulk_create(
        [
            Answer(response=saved[response.device], question=q, **value)
            for response, answers in rows
            for q, value in answers
        ]
    )
    return count


def _answers(rng, questions, texts) -> list:
    out = []
    for q in questions:
        if q.kind == "rating":
            out.append((q, {"rating": int(_pick(rng, ["5", "4", "3", "2", "1"], RATING_WEIGHTS))}))
        elif q.kind == "single":
            weights = CHOICE_WEIGHTS if q.counts_toward_satisfaction else [1] * len(q.options)
            out.append((q, {"choices": [_pick(rng, q.options, weights)]}))
        elif q.kind == "multiple":
            picked = [o for o in q.options if rng.random() < 0.35] or [rng.choice(q.options)]
            if picked or q.required:
                out.append((q, {"choices": picked}))
        else:
            text = rng.choice(texts)
            if text:
                out.append((q, {"text": text}))
    return out
