"""Import and export of the user list (用户) through the Excel import framework.

The system administrator creates and updates accounts; roles are granted only by the security
administrator (三员分立). So the user import never grants or changes a role: the 角色 column is
there so that an export can be read and re-imported, and a row whose 角色 differs from the
account's current roles is refused with a message saying why. Initial passwords are checked
against the password policy (``accounts.actions.set_password(by_admin=True)``); the uploaded file is
deleted once the job ends, since it holds them.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts import actions
from accounts.models import User
from accounts.roles import Action
from core import access, services
from imports.framework import Column, Importer, Row, RowError, register
from imports.parsers import Boolean, Text
from organisations.models import Organisation

PLAIN_FIELDS = ("name", "phone", "email")
ROLE_SEPARATORS = re.compile(r"[；;\n]+")
ROLES_REFUSED = "角色由安全管理员授予（三员分立）：导入用户时不能授予或变更角色，请清空“角色”列或保持与现有角色一致"


def role_text(user: User) -> str:
    """The roles of an account as the export writes them: 单位填报人（示范市第一中学）；…"""
    return "；".join(sorted(f"{a.get_role_display()}（{a.organisation.name}）" for a in user.roles.all()))


def _role_set(text: str) -> set[str]:
    return {part.strip() for part in ROLE_SEPARATORS.split(text or "") if part.strip()}


@register
class UserImporter(Importer):
    kind = "users"
    title = "用户"
    sheet_name = "用户"
    model = User
    export_title = "用户清单"
    list_url_name = "accounts:user_list"
    import_url_name, template_url_name, export_url_name = (
        "accounts:user_import",
        "accounts:user_import_template",
        "accounts:user_export",
    )
    retain_upload = False  # the file holds initial passwords
    columns = [
        Column(
            "用户名",
            "username",
            Text(150),
            required=True,
            example="zhangsan",
            note="登录账号：字母、数字和 @ . + - _；已存在的用户名将更新该账号",
        ),
        Column("姓名", "name", Text(50), required=True, example="张三"),
        Column(
            "所属机构预算编码",
            "org_code",
            Text(30),
            text=True,
            example="101001",
            note="与“所属机构名称”填一项即可，新用户必填其一；编码在多个区划重复时请两项都填",
        ),
        Column("所属机构名称", "org_name", Text(200), example="示范市教育局（本级）"),
        Column("手机号码", "phone", Text(20), text=True, example="13800000000"),
        Column("邮箱", "email", Text(254), example="zhangsan@example.com"),
        Column(
            "启用",
            "is_active",
            Boolean(),
            example="是",
            note="留空时新账号默认启用，已有账号保持不变；停用账号会注销其全部会话",
        ),
        Column("角色", "roles", Text(), note="仅供查看。" + ROLES_REFUSED),
        Column(
            "初始密码",
            "password",
            Text(128),
            note="新用户必填，须符合密码策略，首次登录须修改；已有账号填写即重置密码并注销其会话",
        ),
    ]
    field_columns = {"organisation": ("org_code", "org_name"), "username": ("username",)}
    notes = [
        "角色授予与撤销由安全管理员在“角色授权”中办理（三员分立），本导入只新建和更新账号。",
        "导出的用户清单不含密码；修改后可直接重新导入，未修改的行不会产生任何变更。",
        "导入后请删除本地保存的含初始密码的文件；系统在导入结束后即删除上传的文件。",
    ]

    # --- checking ---------------------------------------------------------------------------------
    def prepare(self) -> None:
        self.by_code, self.by_name = defaultdict(list), defaultdict(list)
        for org in access.restrict(Organisation.objects.all(), self.user, Action.MANAGE):
            if org.budget_code:
                self.by_code[org.budget_code].append(org)
            self.by_name[org.name].append(org)
        users = User.objects.select_related("organisation").prefetch_related("roles__organisation")
        self.users = {u.username: u for u in access.restrict(users, self.user, Action.MANAGE)}

    def validate_row(self, row: Row) -> None:
        username = row["username"]
        existing = self.users.get(username)
        if existing is None and User.objects.filter(username=username).exists():
            raise RowError(f"用户名“{username}”已被您管理范围以外的账号使用，请换一个用户名", "username")
        row.data["existing"] = existing
        row.data["org"] = self._organisation(row, required=existing is None)
        if row.get("roles") and _role_set(row["roles"]) != _role_set(role_text(existing) if existing else ""):
            raise RowError(ROLES_REFUSED, "roles")
        password = row.get("password", "")
        if existing is None and not password:
            raise RowError("新用户须填写初始密码", "password")
        if existing is not None and existing.pk == self.user.pk and self._touches(row, existing):
            raise RowError("不能通过导入修改自己的账号，请在个人设置中修改", "username")
        candidate = copy.copy(existing) if existing else User(username=username)
        for name, value in self._fields(row).items():
            setattr(candidate, name, value)
        errors = {}
        if password:
            try:
                validate_password(password, candidate)
            except ValidationError as exc:
                errors["password"] = exc.messages
        try:
            candidate.full_clean(exclude=["password"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def _organisation(self, row: Row, *, required: bool) -> Organisation | None:
        code, name = row.get("org_code", ""), row.get("org_name", "")
        if not (code or name):
            if required:
                raise RowError(
                    "新用户须填写所属机构预算编码或所属机构名称",
                    "org_code" if row.has("org_code") or not row.has("org_name") else "org_name",
                )
            return None
        if code:
            pool = self.by_code.get(code, [])
            if name:
                named = [o for o in pool if o.name == name]
                if pool and not named:
                    actual = "、".join(sorted(o.name for o in pool))
                    raise RowError(f"预算编码“{code}”对应的机构是“{actual}”，与所属机构名称“{name}”不一致", "org_name")
                pool = named
            described, key = f"所属机构预算编码“{code}”", "org_code"
        else:
            pool = self.by_name.get(name, [])
            described, key = f"所属机构“{name}”", "org_name"
        if not pool:
            raise RowError(f"{described}不存在或不在您的管理范围内", key)
        if len(pool) > 1:
            raise RowError(f"{described}对应 {len(pool)} 个机构（不同行政区划），请同时填写所属机构预算编码和名称", key)
        return pool[0]

    def _fields(self, row: Row) -> dict:
        fields = {name: row[name] for name in PLAIN_FIELDS if row.has(name)}
        if row.data.get("org") is not None:
            fields["organisation"] = row.data["org"]
        return fields

    def _changes(self, row: Row, user: User) -> dict:
        changes = {}
        for name, value in self._fields(row).items():
            current = user.organisation_id if name == "organisation" else getattr(user, name)
            if current != (value.pk if name == "organisation" else value):
                changes[name] = value
        return changes

    def _touches(self, row: Row, user: User) -> bool:
        active = row.get("is_active")
        return bool(
            self._changes(row, user) or row.get("password") or (active is not None and active != user.is_active)
        )

    def validate_rows(self, rows: list[Row]) -> list[Row]:
        seen = {}
        for row in rows:
            earlier = seen.setdefault(row["username"], row)
            if earlier is not row:
                self.report(row, "username", f"与第 {earlier.number} 行重复：用户名“{row['username']}”只能出现一次")
        return rows

    # --- writing ----------------------------------------------------------------------------------
    def apply_row(self, row: Row) -> str:
        existing = row.data["existing"]
        password = row.get("password", "")
        active = row.get("is_active")
        if existing is None:
            user = User(username=row["username"], **self._fields(row))
            if active is not None:
                user.is_active = active
            user.set_unusable_password()
            services.create_record(user, reason=self.reason)
            actions.set_password(user, password, by_admin=True, reason=f"{self.reason}：设置初始密码")
            return "created"
        outcome = "unchanged"
        changes = self._changes(row, existing)
        if changes:
            services.update_record(existing, changes, reason=self.reason)
            outcome = "updated"
        if active is not None and active != existing.is_active:
            actions.set_active(self.user, existing, active, self.reason)
            outcome = "updated"
        if password:
            actions.set_password(existing, password, by_admin=True, reason=f"{self.reason}：重置密码")
            actions.kill_sessions(existing)
            outcome = "updated"
        return outcome

    # --- export (never a password or its hash) ----------------------------------------------------
    def export_rows(self):
        users = User.objects.select_related("organisation").prefetch_related("roles__organisation")
        for user in access.restrict(users, self.user, Action.EXPORT).order_by("username"):
            org = user.organisation
            yield {
                "username": user.username,
                "name": user.name,
                "org_code": org.budget_code if org else "",
                "org_name": org.name if org else "",
                "phone": user.phone,
                "email": user.email,
                "is_active": "是" if user.is_active else "否",
                "roles": role_text(user),
            }
