"""The demo's agency and expert registers (issue 14 "Demo"), kept by the city's performance section (``perf``), on
business dates pinned before the demo date (2026-09-15):

* the two demo agencies' profiles — 示范绩效评价咨询有限公司 (咨询机构) and 明正会计师事务所 (会计师事务所) — with their
  qualifications and staff (蒋评价, the ``agency`` account, is the first one's lead);
* a contract of each with the city's performance section (``CONTRACT_1`` for the 2025 student-nutrition evaluation,
  ``CONTRACT_2`` for the 2026 elderly-care evaluation in fieldwork; keyevals/demo.py finds them by number), the first
  one's team proposed by 蒋评价 and approved by 李绩效 through the review chain, and its deliverables (the work plan
  accepted, the report awaiting acceptance);
* eight fields of expertise and 25 experts: 沈专家 (the ``expert`` account) among them; some employed by demo
  organisations or with declared relations, so a draw for 卫生健康委员会 or 教育局 shows 回避; one suspended, one
  warned, one unavailable;
* a rating of each agency and of an expert.

Idempotent: every part looks for what it made (profiles by organisation, contracts by number, experts by name, the
team by contract, sanctions and ratings by their text) and a second run creates nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from accounts.models import User
from agencies.models import (
    AgencyContract,
    AgencyProfile,
    AgencyStaff,
    AgencyType,
    Deliverable,
    Expert,
    ExpertField,
    ExpertRelation,
    Rating,
    Sanction,
    TeamProposal,
)
from audit.context import acting_as
from core import clock
from demo.seed import register

CONTRACT_1 = "示财绩委〔2026〕1号"
CONTRACT_2 = "示财绩委〔2026〕5号"

FIELDS = [
    ("education", "教育"),
    ("health", "卫生健康"),
    ("social-security", "社会保障"),
    ("accounting", "财务会计"),
    ("costing", "工程造价"),
    ("agriculture", "农业农村"),
    ("environment", "环境保护"),
    ("public-admin", "公共管理"),
]

PROFILES = {
    "agency": (
        AgencyType.CONSULTING,
        "工程咨询单位甲级资信（综合）\n质量管理体系认证 ISO 9001\n近三年承担市级预算绩效评价项目 40 余项",
        "教育、卫生健康、社会保障等领域项目和政策绩效评价",
        "蒋评价",
        "0990-8123456",
        datetime.date(2023, 4, 10),
        [
            ("蒋评价", "高级咨询师、项目总监", "注册咨询工程师（投资）", "公共政策评价", "agency"),
            ("林晓", "项目经理", "注册会计师", "财务审计、成本分析", None),
            ("郭敏", "咨询师", "中级经济师", "教育、社会事业", None),
            ("罗军", "咨询师", "一级造价工程师", "工程造价", None),
            ("谢婷", "数据分析师", "统计师", "问卷调查与统计", None),
        ],
    ),
    "agency2": (
        AgencyType.ACCOUNTING,
        "会计师事务所执业证书（示财会〔2012〕18号）\n证券服务业务备案\n注册会计师 26 名",
        "财务审计、专项资金审计、绩效评价",
        "周明正",
        "0990-8765432",
        datetime.date(2024, 2, 20),
        [
            ("周明正", "合伙人", "注册会计师、资产评估师", "审计、资产评估", None),
            ("马丽", "项目经理", "注册会计师", "专项资金审计", None),
            ("胡强", "审计员", "注册税务师", "税务、财务", None),
            ("高洁", "审计员", "中级会计师", "养老服务、社会保障", None),
        ],
    ),
}

# (name, title, employer name, employer key in the seeder's index or None, field codes, available, relations)
EXPERTS = [
    ("沈专家", "教授", "示范大学公共管理学院", None, ["accounting", "health", "social-security"], True, []),
    ("王立群", "教授", "示范大学教育学院", None, ["education"], True, []),
    ("李晓燕", "高级教师", "示范市第一中学", "city:unit:教育:0", ["education"], True, []),
    (
        "张明华",
        "副教授",
        "示范师范学院",
        None,
        ["education", "public-admin"],
        True,
        [("city:dept:教育", "近三年承担该局委托课题")],
    ),
    ("刘建国", "研究员", "示范教育科学研究院", None, ["education"], True, []),
    ("陈思远", "高级讲师", "示范职业技术学院", None, ["education", "public-admin"], True, []),
    ("赵卫东", "主任医师", "示范市人民医院", "city:unit:卫健:0", ["health"], True, []),
    ("孙丽娟", "教授", "示范医科大学公共卫生学院", None, ["health"], True, []),
    ("周国强", "主任医师", "示范医科大学附属医院", None, ["health"], True, [("city:dept:卫健", "配偶在该委任职")]),
    ("吴海涛", "副研究员", "示范卫生发展研究中心", None, ["health", "social-security"], True, []),
    ("郑雅琴", "高级经济师", "示范医疗保障研究会", None, ["health", "accounting"], True, []),
    ("冯志刚", "副主任医师", "示范疾病预防控制中心", None, ["health"], True, []),
    ("褚文博", "教授", "示范大学社会学院", None, ["social-security", "public-admin"], True, []),
    ("卫明辉", "高级社会工作师", "示范社会工作协会", None, ["social-security"], True, []),
    ("蒋瑞雪", "研究员", "示范老龄科学研究中心", None, ["social-security"], False, []),
    ("韩立新", "注册会计师", "示范正信会计师事务所", None, ["accounting"], True, []),
    ("杨慧敏", "教授", "示范财经大学会计学院", None, ["accounting", "public-admin"], True, []),
    ("朱永康", "高级会计师", "示范审计学会", None, ["accounting"], True, []),
    ("秦建华", "一级造价工程师", "示范工程造价咨询有限公司", None, ["costing"], True, []),
    ("尤志明", "高级工程师", "示范建设工程咨询中心", None, ["costing", "environment"], True, []),
    ("许春燕", "研究员", "示范农业科学院", None, ["agriculture"], True, []),
    ("何振华", "推广研究员", "示范农业大学", None, ["agriculture", "environment"], True, []),
    ("吕清波", "教授", "示范大学环境学院", None, ["environment"], True, []),
    ("施文彬", "高级工程师", "示范环境科学研究院", None, ["environment"], True, []),
    ("曹玉兰", "副教授", "示范行政学院", None, ["public-admin", "social-security"], True, []),
]
SUSPENDED = "吴海涛"  # 暂停抽取 until the end of the year
WARNED = "朱永康"  # 警告

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _at(day: datetime.date):
    return clock.pinned(day)


@register
def seed_registers(seeder) -> None:
    perf = User.objects.filter(username="perf").first()
    agency_user = User.objects.filter(username="agency").first()
    if perf is None or "agency" not in seeder.index:
        return
    try:
        with acting_as(perf):
            fields = _fields(seeder)
            profiles = _profiles(seeder, perf)
            contracts = _contracts(seeder, perf, profiles)
            experts = _experts(seeder, perf, fields)
            _sanctions_and_ratings(seeder, perf, profiles, experts)
        if agency_user is not None and contracts:
            _team(seeder, perf, agency_user, contracts[0])
            _deliverables(seeder, perf, agency_user, contracts)
    except (ValidationError, PermissionDenied) as exc:
        seeder.out(f"  演示第三方机构和专家库未能完成：{'；'.join(getattr(exc, 'messages', [str(exc)]))}")


def _fields(seeder) -> dict[str, ExpertField]:
    found = {}
    for code, name in FIELDS:
        row, created = ExpertField.objects.get_or_create(code=code, defaults={"name": name})
        seeder.created += created
        found[code] = row
    return found


def _profiles(seeder, perf) -> dict[str, AgencyProfile]:
    from agencies import actions

    found = {}
    for key, (kind, qualifications, fields, contact, phone, since, staff) in PROFILES.items():
        organisation = seeder.index.get(key)
        if organisation is None:
            continue
        profile = AgencyProfile.objects.filter(organisation=organisation).first()
        if profile is None:
            with _at(since):
                profile = actions.create_profile(
                    perf,
                    {
                        "organisation": organisation,
                        "agency_type": kind,
                        "qualifications": qualifications,
                        "fields": fields,
                        "contact_person": contact,
                        "contact_phone": phone,
                        "registered_on": since,
                    },
                )
            seeder.created += 1
        for name, title, qualification, skills, username in staff:
            if AgencyStaff.objects.filter(agency=profile, name=name).exists():
                continue
            person = User.objects.filter(username=username).first() if username else None
            actions.add_staff(
                perf,
                profile,
                {"name": name, "title": title, "qualifications": qualification, "skills": skills, "user": person},
            )
            seeder.created += 1
        found[key] = profile
    return found


def _contracts(seeder, perf, profiles) -> list[AgencyContract]:
    from agencies import actions

    section = seeder.index.get("city:section:performance")
    wanted = [
        (
            "agency",
            CONTRACT_1,
            "2025年度城区学生营养改善计划重点绩效评价委托服务",
            Decimal("186000"),
            datetime.date(2026, 3, 2),
            datetime.date(2026, 12, 31),
        ),
        (
            "agency2",
            CONTRACT_2,
            "2026年度社区居家养老服务补贴政策事中绩效评价委托服务",
            Decimal("128000"),
            datetime.date(2026, 7, 1),
            datetime.date(2027, 3, 31),
        ),
    ]
    made = []
    for key, number, title, amount, signed, ends in wanted:
        profile = profiles.get(key)
        if profile is None or section is None:
            continue
        contract = AgencyContract.objects.filter(commissioner=section, number=number).first()
        if contract is None:
            with _at(signed):
                contract = actions.create_contract(
                    perf,
                    {
                        "agency": profile,
                        "commissioner": section,
                        "number": number,
                        "title": title,
                        "amount": amount,
                        "signed_on": signed,
                        "ends_on": ends,
                        "file_with_government": True,
                    },
                )
            seeder.created += 1
        made.append(contract)
    return made


def _team(seeder, perf, agency_user, contract) -> None:
    from agencies import teams
    from workflow import actions as workflow_actions

    if TeamProposal.objects.filter(contract=contract).exists():
        return
    staff = {s.name: s for s in contract.agency.staff.all()}
    rows = [
        ("蒋评价", "lead", True, "统筹评价工作，对接财政部门", ""),
        ("林晓", "member", True, "资金使用和财务管理核查", ""),
        ("郭敏", "member", True, "指标体系、现场勘查和访谈", "曾于 2019 年为示范市教育局提供培训服务（已结束）"),
        ("谢婷", "member", False, "满意度问卷设计与数据分析", ""),
    ]
    with _at(datetime.date(2026, 3, 4)):
        with acting_as(agency_user):
            proposal = teams.propose(
                agency_user,
                contract,
                conflict_statement="团队成员与被评价单位及其所属学校无亲属、任职关系；郭敏 2019 年曾为教育局提供培训，已如实申报。",
            )
            for name, role, resident, duties, conflicts in rows:
                if name in staff:
                    teams.add_member(
                        agency_user,
                        proposal,
                        {
                            "staff": staff[name],
                            "role": role,
                            "resident": resident,
                            "duties": duties,
                            "conflicts": conflicts,
                        },
                    )
            proposal = workflow_actions.submit(proposal, agency_user, proposal.version, "报请审核工作团队")
        seeder.created += 1 + len(rows)
    with _at(datetime.date(2026, 3, 6)), acting_as(perf):
        workflow_actions.approve(proposal, perf, proposal.version, "团队人员结构、业务能力符合要求，同意。")


def _deliverables(seeder, perf, agency_user, contracts) -> None:
    from agencies.deliverables import DELIVERABLES, decide

    plans = [
        (
            contracts[0],
            "plan",
            "评价工作方案",
            datetime.date(2026, 3, 20),
            ("accepted", "方案内容完整，同意按此实施。", datetime.date(2026, 3, 25)),
        ),
        (
            contracts[0],
            "table",
            "基础数据核查表",
            datetime.date(2026, 5, 18),
            ("accepted", "", datetime.date(2026, 5, 22)),
        ),
        (
            contracts[0],
            "report",
            "重点绩效评价报告（征求意见稿）",
            datetime.date(2026, 6, 30),
            ("returned", "问题部分请补充分校情况和数据来源后重新提交。", datetime.date(2026, 7, 3)),
        ),
        (
            contracts[0],
            "report",
            "重点绩效评价报告",
            datetime.date(2026, 7, 15),
            ("accepted", "同意验收。", datetime.date(2026, 7, 20)),
        ),
        (contracts[0], "training", "预算绩效管理培训（第三期）签到及课件", datetime.date(2026, 9, 10), None),
    ]
    for contract, kind, title, uploaded, decision in plans:
        if Deliverable.objects.filter(contract=contract, title=title).exists():
            continue
        with _at(uploaded), acting_as(agency_user):
            item = DELIVERABLES.add(
                contract, agency_user, file=ContentFile(PDF, name=f"{title}.pdf"), kind=kind, title=title, note=""
            )
            Deliverable.objects.filter(pk=item.pk).update(uploaded_at=clock.now())
        seeder.created += 1
        if decision is not None:
            verdict, note, day = decision
            with _at(day), acting_as(perf):
                decide(perf, item, verdict, note)


def _experts(seeder, perf, fields) -> dict[str, Expert]:
    from agencies import actions

    keeper = actions.keeper_for(perf)
    found = {}
    expert_user = User.objects.filter(username="expert").first()
    for name, title, employer_name, employer_key, codes, available, relations in EXPERTS:
        expert = Expert.objects.filter(keeper=keeper, name=name).first()
        if expert is None:
            person = expert_user if name == "沈专家" else None
            with _at(datetime.date(2025, 1, 10)):
                expert = actions.create_expert(
                    perf,
                    {
                        "name": name,
                        "title": title,
                        "employer_name": employer_name,
                        "employer": seeder.index.get(employer_key) if employer_key else None,
                        "available": available,
                        "user": person,
                        "registered_on": datetime.date(2025, 1, 10),
                    },
                    [fields[c] for c in codes],
                )
            seeder.created += 1
        for org_key, relation in relations:
            organisation = seeder.index.get(org_key)
            if (
                organisation is not None
                and not ExpertRelation.objects.filter(expert=expert, organisation=organisation).exists()
            ):
                actions.add_relation(perf, expert, organisation, relation)
                seeder.created += 1
        found[name] = expert
    return found


def _sanctions_and_ratings(seeder, perf, profiles, experts) -> None:
    from agencies import actions

    suspended, warned = experts.get(SUSPENDED), experts.get(WARNED)
    if suspended is not None and not Sanction.objects.filter(expert=suspended).exists():
        with _at(datetime.date(2026, 6, 1)):
            actions.sanction(
                perf,
                expert=suspended,
                kind="suspension",
                reason="2026 年 5 月专家评审中未按规定申报与被评价单位的业务往来，暂停抽取。",
                starts_on=datetime.date(2026, 6, 1),
                ends_on=datetime.date(2026, 12, 31),
            )
        seeder.created += 1
    if warned is not None and not Sanction.objects.filter(expert=warned).exists():
        with _at(datetime.date(2026, 4, 15)):
            actions.sanction(
                perf,
                expert=warned,
                kind="warning",
                reason="评审意见逾期 10 天提交，予以警告。",
                starts_on=datetime.date(2026, 4, 15),
                ends_on=datetime.date(2027, 4, 14),
            )
        seeder.created += 1
    ratings = [
        (
            "agency",
            None,
            "2024年度义务教育薄弱环节改善与能力提升资金重点评价",
            35,
            27,
            28,
            2,
            "报告结构完整、证据充分；个别数据口径需统一。",
            datetime.date(2025, 9, 20),
        ),
        (
            "agency2",
            None,
            "2025年度政府购买养老服务项目绩效评价",
            31,
            22,
            26,
            4,
            "报告提交延迟 5 天，问题分析较浅。",
            datetime.date(2026, 2, 10),
        ),
        (
            None,
            "沈专家",
            "2025年度基层医疗卫生机构运行补助资金重点评价（专家评审）",
            37,
            28,
            29,
            0,
            "评审意见专业、及时。",
            datetime.date(2026, 8, 28),
        ),
    ]
    for key, expert_name, work, quality, timeliness, conduct, defects, comment, day in ratings:
        agency = profiles.get(key) if key else None
        expert = experts.get(expert_name) if expert_name else None
        if agency is None and expert is None:
            continue
        if Rating.objects.filter(agency=agency, expert=expert, work=work).exists():
            continue
        with _at(day):
            actions.rate(
                perf,
                agency=agency,
                expert=expert,
                values={
                    "work": work,
                    "quality": quality,
                    "timeliness": timeliness,
                    "conduct": conduct,
                    "defects": defects,
                    "comment": comment,
                },
            )
        seeder.created += 1
