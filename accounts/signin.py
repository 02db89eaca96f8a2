"""Checking a username and password: one place for the sign-in page and the API token (issue 17 §7).

Two limits apply, and neither tells a stranger whether an account exists:

- **per account** (the security policy, ``accounts.actions.register_failure``): after the policy's number of
  wrong passwords the account is locked for the policy's minutes;
- **per client address** (django-axes, ``settings.AXES_*``): after ``JIXIAO_SIGNIN_IP_FAILURES`` failed sign-ins
  from one address within ``JIXIAO_SIGNIN_IP_COOLOFF_MINUTES``, that address gets HTTP 429 until the window has
  passed, whatever username it tries (docs/decisions/0026-sign-in-throttling.md).

An unknown username, a wrong password, a disabled account and a locked account all get the same message
(``FAILURE_MESSAGE``) and the same status, and all of them run the password hasher once (Django's
``ModelBackend`` hashes the password of an unknown username too), so neither the text nor the time of the
answer tells them apart. The real reason is written to the audit trail, shown to the security admin on the
account's page, and told to the account's owner after the next successful sign-in (``failures_since_last_login``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.http import JsonResponse
from django.shortcuts import render

from accounts import actions
from accounts.models import User
from audit import trail
from audit.context import client_ip
from audit.models import AuditAction, AuditEntry

FAILURE_MESSAGE = "用户名或密码错误，或账户暂时不能登录。多次失败后账户将被暂时锁定；如无法登录，请联系安全管理员。"


@dataclass(frozen=True)
class Outcome:
    """``user`` is set only when the credentials are right and the account may sign in now."""

    user: User | None = None
    throttled: bool = False
    error: str = ""


def cooloff_minutes() -> int:
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def throttled_message() -> str:
    return f"登录尝试过于频繁，请 {cooloff_minutes()} 分钟后再试"


def check_credentials(request, username: str, password: str) -> Outcome:
    """Check ``username`` and ``password`` for a sign-in from ``request`` (a Django ``HttpRequest``).

    Counts a failure against the account (when it exists) and against the client address; records every
    failure in the audit trail with its real reason."""
    ip = client_ip(request)
    user = User.objects.filter(username=username).first()
    locked = user is not None and user.is_locked()
    # Always authenticate, for a locked account too: the hasher runs in every case (same timing), and the
    # address throttle (AxesStandaloneBackend, first in AUTHENTICATION_BACKENDS) sees every attempt.
    authenticated = authenticate(request, username=username, password=password)
    if _throttled(request) and getattr(request, "axes_failures_since_start", None) is None:
        # The address was already throttled: the password was not even checked.
        _record(
            user, username, ip, f"来源地址登录失败次数过多，已暂停该地址登录（未校验密码，{cooloff_minutes()} 分钟）"
        )
        return Outcome(throttled=True, error=throttled_message())
    if authenticated is not None and not locked:
        return Outcome(user=authenticated)
    if locked:
        if authenticated is not None:
            # Right password while locked: still a refusal, so the address throttle counts it as one.
            user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        _record(user, username, ip, "账户锁定期间尝试登录")
    elif user is not None and user.is_active:
        actions.register_failure(user, ip)
    else:
        _record(None, username, ip, "用户名不存在或账户已停用")
    if _throttled(request):  # this failure reached the address limit
        _record(None, username, ip, f"来源地址登录失败次数达到上限，暂停该地址登录 {cooloff_minutes()} 分钟")
        return Outcome(throttled=True, error=throttled_message())
    return Outcome(error=FAILURE_MESSAGE)


def _throttled(request) -> bool:
    return bool(getattr(request, "axes_locked_out", False))


def _record(user: User | None, username: str, ip: str | None, reason: str) -> None:
    """A failed sign-in in the audit trail, with its real reason (never shown to the one signing in)."""
    if user is not None:
        trail.record(AuditAction.LOGIN_FAILURE, user, ip=ip, actor=user, reason=reason)
    else:
        trail.record(
            AuditAction.LOGIN_FAILURE,
            object_type=User._meta.label_lower,
            object_repr=username[:100],
            ip=ip,
            actor_name=username[:100],
            reason=reason,
        )


def failures_since_last_login(user: User) -> tuple[int, int]:
    """Failed sign-ins and lockouts of ``user`` since their previous successful sign-in (from the audit trail).

    Call it before the new sign-in is recorded (``actions.register_success`` moves ``last_login``)."""
    entries = AuditEntry.objects.filter(
        object_type=User._meta.label_lower,
        object_id=str(user.pk),
        action__in=[AuditAction.LOGIN_FAILURE, AuditAction.LOCKOUT],
    )
    if user.last_login is not None:
        entries = entries.filter(created_at__gt=user.last_login)
    counts = dict.fromkeys([AuditAction.LOGIN_FAILURE, AuditAction.LOCKOUT], 0)
    for action in entries.values_list("action", flat=True):
        counts[action] += 1
    return counts[AuditAction.LOGIN_FAILURE], counts[AuditAction.LOCKOUT]


def failures_notice(user: User) -> str:
    """What the owner is told after signing in, or "" when nothing failed since the previous sign-in."""
    failures, lockouts = failures_since_last_login(user)
    if not failures:
        return ""
    locked = f"，账户因此被锁定 {lockouts} 次" if lockouts else ""
    return f"自上次登录以来，您的账户有 {failures} 次登录失败{locked}。如非本人操作，请立即修改密码并告知安全管理员。"


def throttled_response(request, original_response=None, credentials=None):
    """The answer to an address that is throttled (``settings.AXES_LOCKOUT_CALLABLE``): HTTP 429, in Chinese,
    a JSON body for the API and a page for the browser, with ``Retry-After``."""
    message = throttled_message()
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "accounts/throttled.html", {"message": message}, status=429)
    response["Retry-After"] = str(cooloff_minutes() * 60)
    return response
