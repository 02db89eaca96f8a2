"""Bootstraps the three separated administrators (三员分立) of a fresh installation."""

import base64
import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import actions
from accounts.models import RoleAssignment, User
from accounts.roles import Role
from audit import trail
from audit.context import acting_as
from audit.models import AuditAction
from organisations.choices import OrgKind
from organisations.models import Organisation

ADMINS = [
    ("sysadmin", "系统管理员", Role.SYSTEM_ADMIN),
    ("secadmin", "安全管理员", Role.SECURITY_ADMIN),
    ("auditadmin", "审计管理员", Role.AUDIT_ADMIN),
]


def _password() -> str:
    # Meets the default policy: upper, lower, digit and symbol, 18 characters.
    return f"A{secrets.token_urlsafe(10)}a7#"


class Command(BaseCommand):
    help = "为指定财政局创建系统管理员、安全管理员、审计管理员三个账号（含动态口令密钥），首次登录须修改密码。"

    def add_arguments(self, parser):
        parser.add_argument("--bureau", required=True, help="财政局名称（须已存在，类型为财政局）")
        parser.add_argument("--prefix", default="", help="用户名前缀，例如 city_ 得到 city_sysadmin")

    def handle(self, *args, bureau, prefix, **options):
        org = Organisation.objects.filter(name=bureau, kind=OrgKind.FINANCE_BUREAU).first()
        if org is None:
            raise CommandError(f"未找到名为“{bureau}”的财政局，请先建立行政区划和财政局")
        with transaction.atomic(), acting_as(name="系统（初始化三员）"):
            for username, name, role in ADMINS:
                username = f"{prefix}{username}"
                if User.objects.filter(username=username).exists():
                    raise CommandError(f"用户 {username} 已存在，未做任何修改")
                user = User(username=username, name=name, organisation=org)
                user.set_unusable_password()
                user.full_clean()
                user.save()
                trail.record(AuditAction.CREATE, user, reason="初始化三员")
                password = _password()
                actions.set_password(user, password, by_admin=True, reason="初始化三员")
                assignment = RoleAssignment(user=user, role=role, organisation=org)
                assignment.full_clean()
                assignment.save()
                trail.record(AuditAction.GRANT, user, changes={"角色": [None, str(assignment)]}, reason="初始化三员")
                key = secrets.token_bytes(20)
                TOTPDevice.objects.create(user=user, name="身份验证器", key=key.hex(), confirmed=True)
                secret = base64.b32encode(key).decode()
                self.stdout.write(f"{name}：用户名 {username}  初始密码 {password}  动态口令密钥 {secret}")
                self.stdout.write(f"  otpauth://totp/Jixiao:{username}?secret={secret}&issuer=Jixiao")
        self.stdout.write(self.style.WARNING("请将以上信息分别当面交给三位管理员；初始密码首次登录时须修改。"))
