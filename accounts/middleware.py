"""Applies the security policy to every request of a signed-in user.

- idle timeout: a session unused for longer than the policy allows is ended;
- a password set by an administrator, or older than the expiry, must be changed first;
- the three administrators must have passed the second factor in this session.

The session row is written only when something in it changed: ``last_activity`` (and the session's expiry with it)
is renewed when it is older than ``ACTIVITY_PRECISION`` seconds, so that a user clicking through pages costs one
session UPDATE a minute, not one a request; the idle timeout is exact to within that minute. The policy comes from
the cache (``SecurityPolicy.cached``) once per request and is kept on it (``request.security_policy``).
"""

import time

from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from accounts.models import SecurityPolicy

EXEMPT_PREFIXES = ("/static/", "/accounts/login", "/accounts/logout", "/accounts/otp", "/favicon")
ACTIVITY_PRECISION = 60  # seconds between two writes of last_activity


def security_policy(request) -> SecurityPolicy:
    """The security policy, read once per request."""
    policy = getattr(request, "security_policy", None)
    if policy is None:
        policy = request.security_policy = SecurityPolicy.cached()
    return policy


class SecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        uses_session = user is not None and user.is_authenticated and "_auth_user_id" in request.session
        if uses_session and not request.path.startswith(EXEMPT_PREFIXES):
            response = self._enforce(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _enforce(self, request, user):
        from accounts.actions import password_expired

        policy = security_policy(request)
        now = time.time()
        idle = policy.idle_minutes * 60
        last = request.session.get("last_activity")
        if last is not None and now - last > idle:
            logout(request)
            messages.warning(request, f"您已超过 {policy.idle_minutes} 分钟未操作，请重新登录")
            return redirect(reverse("accounts:login"))
        if last is None or now - last >= ACTIVITY_PRECISION or request.session.get("_session_expiry") != idle:
            request.session["last_activity"] = now
            request.session.set_expiry(idle)
        if policy.admin_otp_required and user.is_admin_role and not user.is_verified():
            logout(request)
            return redirect(reverse("accounts:login"))
        change_url = reverse("accounts:password_change")
        if request.path != change_url and (user.must_change_password or password_expired(user, policy)):
            if request.path.startswith("/api/"):
                return None  # API calls are refused by the API auth instead
            messages.info(request, "请先修改密码（首次登录或密码已过期）")
            return redirect(change_url)
        return None
