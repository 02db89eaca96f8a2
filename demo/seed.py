"""Builds the demo city deterministically (fixed random seed); a second run changes nothing.

Later features add their own demo content with ``register`` so one command fills every page.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import RoleAssignment, User
from accounts.roles import Role
from audit import trail
from audit.models import AuditAction
from core import clock
from demo.names import CITIES, COUNTIES, DEPARTMENTS, DESKS, TOWNS
from organisations.choices import OrgKind, RegionLevel, SectionKind
from organisations.models import DeskResponsibility, Organisation, Region

DEMO_PASSWORD = "Jixiao@2026"
# Fixed TOTP secret of the three demo administrators (hex for django-otp; base32 for phone apps).
DEMO_OTP_HEX = "3132333435363738393031323334353637383930"
DEMO_OTP_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
SEED = 20260101


@dataclass(frozen=True)
class Scale:
    name: str
    cities: int
    counties_per_city: int
    city_departments: int
    county_departments: int
    units_per_city_department: int  # at most; the name lists cap it
    units_per_county_department: int
    towns: int


SCALES = {
    "small": Scale("small", 1, 2, 12, 6, 3, 2, 2),
    "city": Scale("city", 1, 8, len(DEPARTMENTS), 15, 12, 3, 3),
    "province": Scale("province", 4, 8, len(DEPARTMENTS), 20, 12, 4, 5),
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    name: str
    role: str
    org_key: str  # key into the organisation index built by the seeder
    note: str


# One account for every role (DOMAIN.md "Who uses the system"), at the demo city unless noted.
ACCOUNTS = [
    DemoAccount("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, "city:bureau", "账号与配置（须动态口令）"),
    DemoAccount("secadmin", "安全管理员", Role.SECURITY_ADMIN, "city:bureau", "角色授权与安全策略（须动态口令）"),
    DemoAccount("auditadmin", "审计管理员", Role.AUDIT_ADMIN, "city:bureau", "查阅、导出审计日志（须动态口令）"),
    DemoAccount("leader", "王局长", Role.BUREAU_LEADER, "city:bureau", "财政局局领导"),
    DemoAccount("perf", "李绩效", Role.PERFORMANCE_SECTION, "city:section:performance", "预算绩效管理科"),
    DemoAccount("budget", "赵预算", Role.BUDGET_SECTION, "city:section:budget", "预算管理科"),
    DemoAccount("treasury", "钱国库", Role.TREASURY, "city:section:treasury", "国库科"),
    DemoAccount("desk_edu", "孙科长", Role.FINANCE_DESK, "city:desk:教科文科", "教科文科（归口教育、文旅、科技等）"),
    DemoAccount(
        "desk_social", "周科长", Role.FINANCE_DESK, "city:desk:社会保障科", "社会保障科（归口卫健、民政、人社等）"
    ),
    DemoAccount("edu_reviewer", "吴审核", Role.DEPT_REVIEWER, "city:dept:教育", "教育局主管部门审核人"),
    DemoAccount("edu_head", "郑校长", Role.UNIT_HEAD, "city:unit:教育:0", "第一中学单位负责人"),
    DemoAccount("edu_preparer", "冯填报", Role.UNIT_PREPARER, "city:unit:教育:0", "第一中学单位填报人"),
    DemoAccount("health_reviewer", "陈审核", Role.DEPT_REVIEWER, "city:dept:卫健", "卫生健康委员会主管部门审核人"),
    DemoAccount("health_head", "何院长", Role.UNIT_HEAD, "city:unit:卫健:0", "人民医院单位负责人"),
    DemoAccount("health_preparer", "褚填报", Role.UNIT_PREPARER, "city:unit:卫健:0", "人民医院单位填报人"),
    DemoAccount("auditor", "卫审计", Role.AUDIT_OFFICE, "city:audit", "市审计局（只读）"),
    DemoAccount("agency", "蒋评价", Role.AGENCY, "agency", "第三方评价机构（仅见受托事项）"),
    DemoAccount("expert", "沈专家", Role.EXPERT, "agency", "评审专家（仅见指派事项）"),
    DemoAccount("provider", "韩经理", Role.PROVIDER, "provider", "政府购买服务承接主体"),
    DemoAccount("public", "杨市民", Role.PUBLIC, "city:bureau", "社会公众"),
    DemoAccount(
        "county_perf", "朱绩效", Role.PERFORMANCE_SECTION, "county0:section:performance", "区县财政局预算绩效管理科"
    ),
    DemoAccount("county_reviewer", "秦审核", Role.DEPT_REVIEWER, "county0:dept:教育", "区县教育局主管部门审核人"),
    DemoAccount("county_leader", "曹局长", Role.BUREAU_LEADER, "county0:bureau", "区县财政局局领导（审定绩效目标）"),
    DemoAccount(
        "county_budget", "邓预算", Role.BUDGET_SECTION, "county0:section:budget", "区县财政局预算管理科（批复）"
    ),
    DemoAccount(
        "county_desk", "许科长", Role.FINANCE_DESK, "county0:desk:教科文科", "区县财政局教科文科（归口区县教育等）"
    ),
]

# Accounts of the province scale only (its bureau exists only there): the province's performance section, whose
# reach is the whole province — what bench/pages.py measures the lists at province scale with (issue 16).
PROVINCE_ACCOUNTS = [
    DemoAccount(
        "prov_perf",
        "省绩效",
        Role.PERFORMANCE_SECTION,
        "province:section:performance",
        "示范省财政局预算绩效管理科（全省）",
    ),
]


def accounts_of(scale_name: str) -> list[DemoAccount]:
    """The demo accounts a scale has."""
    return ACCOUNTS + (PROVINCE_ACCOUNTS if scale_name == "province" else [])


# Demo content of later features: functions (seeder: Seeder) -> None; use seeder.index, .rng, .created.
_seeders: list[Callable] = []


def register(seeder: Callable) -> Callable:
    if seeder not in _seeders:
        _seeders.append(seeder)
    return seeder


class Seeder:
    def __init__(self, scale: Scale, out=print):
        self.scale = scale
        self.rng = random.Random(SEED)
        self.index: dict[str, Organisation] = {}
        self.out = out
        self.created = 0

    # --- helpers ---------------------------------------------------------------------------------
    def region(self, code, name, level, parent=None) -> Region:
        region, created = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )
        self.created += created
        return region

    def org(self, key, name, kind, region, parent=None, **extra) -> Organisation:
        org = Organisation.objects.filter(region=region, name=name, kind=kind).first()
        if org is None:
            org = Organisation(name=name, kind=kind, region=region, parent=parent, **extra)
            org.full_clean()
            org.save()
            self.created += 1
        self.index[key] = org
        return org

    # --- the tree --------------------------------------------------------------------------------
    def run(self) -> dict:
        with transaction.atomic():
            province = self.region("990000", "示范省", RegionLevel.PROVINCE)
            if self.scale.name == "province":
                self.bureau("province", "示范省", province, departments=self.scale.city_departments, units=6)
            for c, (code, name) in enumerate(CITIES[: self.scale.cities]):
                city = self.region(code, name, RegionLevel.CITY, province)
                key = "city" if c == 0 else f"city{c}"
                self.bureau(key, name, city, self.scale.city_departments, self.scale.units_per_city_department)
                for i, (ccode, cname) in enumerate(COUNTIES[: self.scale.counties_per_city]):
                    ccode = ccode if c == 0 else f"{code[:4]}{ccode[4:]}"
                    cname = cname.replace("示范市", name) if c == 0 else f"{name[:2]}{cname.replace('示范市', '')}"
                    county = self.region(ccode, cname, RegionLevel.COUNTY, city)
                    ckey = f"county{i}" if c == 0 else f"city{c}county{i}"
                    self.bureau(
                        ckey, cname, county, self.scale.county_departments, self.scale.units_per_county_department
                    )
                    for t, tname in enumerate(TOWNS[: self.scale.towns]):
                        town = self.region(self._town_code(ccode, t), f"{cname}{tname}", RegionLevel.TOWN, county)
                        self.org(f"{ckey}:town{t}", f"{cname}{tname}财政所", OrgKind.TOWN_FINANCE, town)
            self.outsiders()
            self.accounts()
            for seeder in _seeders:
                seeder(self)
            if self.created:
                trail.record(
                    AuditAction.IMPORT,
                    object_type="demo",
                    object_repr="演示数据",
                    actor_name="系统（演示数据）",
                    reason=f"seed_demo --scale {self.scale.name}：新建 {self.created} 条记录",
                )
        return {"created": self.created}

    @staticmethod
    def _town_code(county_code: str, t: int) -> str:
        # Fictional 6-digit codes for towns: 98 + the county's last 3 digits + town number.
        return f"98{county_code[3:]}{t + 1}"

    def bureau(self, key, place, region, departments, units):
        bureau = self.org(f"{key}:bureau", f"{place}财政局", OrgKind.FINANCE_BUREAU, region)
        for kind, label in [
            (SectionKind.BUDGET, "预算管理科"),
            (SectionKind.PERFORMANCE, "预算绩效管理科"),
            (SectionKind.TREASURY, "国库科"),
        ]:
            self.org(
                f"{key}:section:{kind}",
                f"{place}财政局{label}",
                OrgKind.FINANCE_SECTION,
                region,
                bureau,
                section_kind=kind,
            )
        desks = {}
        for desk_name, shorts in DESKS:
            desk = self.org(
                f"{key}:desk:{desk_name}",
                f"{place}财政局{desk_name}",
                OrgKind.FINANCE_SECTION,
                region,
                bureau,
                section_kind=SectionKind.DESK,
            )
            for short in shorts:
                desks[short] = desk
        self.org(f"{key}:audit", f"{place}审计局", OrgKind.AUDIT_OFFICE, region)
        for d, (dept_name, short, unit_names) in enumerate(DEPARTMENTS[:departments]):
            code = f"{101 + d}"
            dept = self.org(
                f"{key}:dept:{short}",
                f"{place}{dept_name}",
                OrgKind.DEPARTMENT,
                region,
                budget_code=code,
                short_name=f"{place}{short}",
            )
            if short in desks and not DeskResponsibility.objects.filter(department=dept).exists():
                DeskResponsibility.objects.create(desk=desks[short], department=dept)
            self.org(
                f"{key}:unit:{short}:self",
                f"{place}{dept_name}（本级）",
                OrgKind.UNIT,
                region,
                dept,
                budget_code=f"{code}001",
            )
            for u, unit_name in enumerate(unit_names[:units]):
                unit = self.org(
                    f"{key}:unit:{short}:{u}",
                    f"{place}{unit_name}",
                    OrgKind.UNIT,
                    region,
                    dept,
                    budget_code=f"{code}{u + 2:03d}",
                )
                if u == 0 and short in ("卫健", "教育"):
                    # A nested unit (二级预算单位 under a unit).
                    self.org(
                        f"{key}:unit:{short}:{u}:sub",
                        f"{place}{unit_name}分部",
                        OrgKind.UNIT,
                        region,
                        unit,
                        budget_code=f"{code}{u + 2:03d}01",
                    )

    def outsiders(self):
        city = Region.objects.get(code="990100")
        self.org("agency", "示范绩效评价咨询有限公司", OrgKind.AGENCY, city, credit_code="91990100MA0000001X")
        self.org("agency2", "明正会计师事务所", OrgKind.AGENCY, city, credit_code="91990100MA0000002Y")
        self.org("provider", "示范物业服务有限公司", OrgKind.PROVIDER, city, credit_code="91990100MA0000003Z")

    def accounts(self):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.roles import ADMIN_ROLES

        now = timezone.now()
        for account in accounts_of(self.scale.name):
            org = self.index.get(account.org_key)
            if org is None:
                continue
            user = User.objects.filter(username=account.username).first()
            if user is None:
                user = User(
                    username=account.username,
                    name=account.name,
                    organisation=org,
                    must_change_password=False,
                    password_changed_at=now,
                )
                user.set_password(DEMO_PASSWORD)
                user.full_clean()
                user.save()
                self.created += 1
            if not RoleAssignment.objects.filter(user=user, role=account.role, organisation=org).exists():
                assignment = RoleAssignment(user=user, role=account.role, organisation=org)
                assignment.full_clean()
                assignment.save()
            if account.role in ADMIN_ROLES and not TOTPDevice.objects.filter(user=user).exists():
                TOTPDevice.objects.create(user=user, name="演示身份验证器", key=DEMO_OTP_HEX, confirmed=True)


def seed(scale_name: str = "small", out=print) -> dict:
    """Every demo date is relative to ``clock.DEMO_TODAY``: the seeder runs on that business date, so a run on
    any day of any year builds the same city (a second run changes nothing)."""
    with clock.pinned(clock.DEMO_TODAY):
        return Seeder(SCALES[scale_name], out).run()
