"""Account actions: each is one transaction with its guard and its audit row."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import PasswordHistory, RoleAssignment, SecurityPolicy, User, UserSession
from audit import trail
from audit.models import AuditAction
from core import access


def _require(actor, capability: str):
    if not access.has_capability(actor, capability):
        trail.record(AuditAction.PERMISSION_DENIED, reason=f"缺少权限：{capability}", actor=actor)
        raise PermissionDenied("无权执行此操作")


def _guard_admin_account(actor: User, user: User) -> None:
    """三员分立: the system admin manages business accounts, not the other administrators'."""
    if user.is_admin_role and user.pk != actor.pk:
        raise ValidationError(
            "三员分立：管理员账号不能由系统管理员停用或重置密码，请使用 create_admins 等运维命令并留存记录"
        )


def set_password(user: User, raw_password: str, *, by_admin: bool, reason: str = "") -> None:
    """Validate and set a password. One set by an administrator must be changed at first login."""
    validate_password(raw_password, user)
    with transaction.atomic():
        if user.password:
            PasswordHistory.objects.create(user=user, password=user.password)
        user.set_password(raw_password)
        user.password_changed_at = timezone.now()
        user.must_change_password = by_admin
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        keep = SecurityPolicy.current().history_count
        old = user.password_history.values_list("pk", flat=True)[keep:]
        PasswordHistory.objects.filter(pk__in=list(old)).delete()
        trail.record(
            AuditAction.PASSWORD_CHANGE, user, reason=reason or ("管理员重置密码" if by_admin else "本人修改密码")
        )


def password_expired(user: User, policy: SecurityPolicy | None = None) -> bool:
    policy = policy or SecurityPolicy.current()
    if user.password_changed_at is None:
        return True
    return user.password_changed_at < timezone.now() - timedelta(days=policy.expiry_days)


def kill_sessions(user: User, *, except_key: str | None = None) -> int:
    keys = list(
        UserSession.objects.filter(user=user)
        .exclude(session_key=except_key or "")
        .values_list("session_key", flat=True)
    )
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    return len(keys)


def register_failure(user: User, ip: str | None) -> bool:
    """Count a failed sign-in; lock the account at the policy's limit. Returns True if now locked."""
    policy = SecurityPolicy.current()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        locked.failed_logins += 1
        now_locked = locked.failed_logins >= policy.max_failures
        fields = ["failed_logins"]
        if now_locked:
            locked.locked_until = timezone.now() + timedelta(minutes=policy.lockout_minutes)
            locked.failed_logins = 0
            fields.append("locked_until")
        locked.save(update_fields=fields)
        trail.record(
            AuditAction.LOGIN_FAILURE,
            locked,
            ip=ip,
            actor=locked,
            reason=f"密码错误（第 {locked.failed_logins or policy.max_failures} 次）",
        )
        if now_locked:
            trail.record(
                AuditAction.LOCKOUT,
                locked,
                ip=ip,
                actor=locked,
                reason=f"连续 {policy.max_failures} 次登录失败，锁定 {policy.lockout_minutes} 分钟",
            )
    user.failed_logins, user.locked_until = locked.failed_logins, locked.locked_until
    return now_locked


def register_success(user: User, ip: str | None) -> None:
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None, last_login=timezone.now())
        trail.record(AuditAction.LOGIN_SUCCESS, user, ip=ip, actor=user)


def unlock(actor: User, user: User, reason: str) -> None:
    _require(actor, "unlock_accounts")
    if not reason:
        raise ValidationError("解除锁定须填写理由")
    with transaction.atomic():
        before = trail.snapshot(user)
        user.locked_until = None
        user.failed_logins = 0
        user.save(update_fields=["locked_until", "failed_logins"])
        trail.record(AuditAction.UNLOCK, user, changes=trail.diff(before, trail.snapshot(user), User), reason=reason)


def set_active(actor: User, user: User, active: bool, reason: str) -> None:
    """Enable or disable an account; disabling ends all its sessions."""
    _require(actor, "manage_accounts")
    if user.pk == actor.pk:
        raise ValidationError("不能停用自己的账号")
    _guard_admin_account(actor, user)
    with transaction.atomic():
        before = trail.snapshot(user)
        user.is_active = active
        user.save(update_fields=["is_active"])
        trail.record(AuditAction.UPDATE, user, changes=trail.diff(before, trail.snapshot(user), User), reason=reason)
        if not active:
            kill_sessions(user)


def grant_role(actor: User, user: User, role: str, organisation, reason: str = "") -> RoleAssignment:
    """Only the security admin grants roles (三员分立)."""
    _require(actor, "manage_roles")
    if user.pk == actor.pk:
        raise ValidationError("不能给自己授予角色")
    if not access.can(actor, "view", organisation):
        raise ValidationError({"organisation": "无权在该机构授权"})
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)  # serialise grants to one account
        assignment = RoleAssignment(user=user, role=role, organisation=organisation)
        assignment.full_clean()
        assignment.save()
        trail.record(AuditAction.GRANT, user, changes={"角色": [None, str(assignment)]}, reason=reason)
        kill_sessions(user)  # new rights take effect at the next sign-in
    return assignment


def revoke_role(actor: User, assignment: RoleAssignment, reason: str = "") -> None:
    _require(actor, "manage_roles")
    with transaction.atomic():
        trail.record(AuditAction.REVOKE, assignment.user, changes={"角色": [str(assignment), None]}, reason=reason)
        user = assignment.user
        assignment.delete()
        kill_sessions(user)


def update_policy(actor: User, policy: SecurityPolicy, before: dict, reason: str = "") -> dict:
    _require(actor, "manage_security")
    with transaction.atomic():
        policy.full_clean()
        policy.save()
        changes = trail.diff(before, trail.snapshot(policy), SecurityPolicy)
        if changes:
            trail.record(AuditAction.UPDATE, policy, changes=changes, reason=reason)
    return changes


def reset_otp(actor: User, user: User, reason: str) -> str:
    """The security admin issues a new second-factor secret (lost phone). Returns it in base32."""
    import base64
    import secrets

    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require(actor, "manage_roles")
    if not user.is_admin_role:
        raise ValidationError("只有三员账号使用动态口令")
    if not reason:
        raise ValidationError("重置动态口令须填写理由")
    key = secrets.token_bytes(20)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name="身份验证器", key=key.hex(), confirmed=True)
        trail.record(AuditAction.UPDATE, user, changes={"动态口令": ["（旧密钥）", "（已重置）"]}, reason=reason)
        kill_sessions(user)
    return base64.b32encode(key).decode()
