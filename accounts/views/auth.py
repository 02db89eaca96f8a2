"""Sign-in: password, lockout, second factor for the three administrators, forced change."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token

from accounts import actions, signin
from accounts.forms import LoginForm, OTPForm, PasswordChangeForm
from accounts.models import SecurityPolicy, User, UserSession
from audit import trail
from audit.context import client_ip
from audit.models import AuditAction

PENDING_KEY = "otp_pending_user"


def _finish_login(request, user, device=None):
    notice = signin.failures_notice(user)  # before this sign-in moves last_login
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")  # cycles the session key
    if device is not None:
        otp_login(request, device)
    request.session["last_activity"] = timezone.now().timestamp()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key, defaults={"user": user, "ip": client_ip(request)}
    )
    actions.register_success(user, client_ip(request))
    if notice:
        messages.warning(request, notice)
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "home"
    return redirect(target)


def login_view(request):
    """The same message and status for an unknown username, a wrong password and a locked or disabled account
    (accounts/signin.py); HTTP 429 for an address that failed too often."""
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        outcome = signin.check_credentials(
            request, form.cleaned_data["username"].strip(), form.cleaned_data["password"]
        )
        authenticated = outcome.user
        if outcome.throttled:
            return signin.throttled_response(request)
        if authenticated is None:
            error = outcome.error
        elif authenticated.is_admin_role and SecurityPolicy.current().admin_otp_required:
            request.session.cycle_key()
            request.session[PENDING_KEY] = authenticated.pk
            return redirect("accounts:otp")
        else:
            return _finish_login(request, authenticated)
    return render(request, "accounts/login.html", {"form": form, "error": error})


def otp_view(request):
    user_id = request.session.get(PENDING_KEY)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("accounts:login")
    form = OTPForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"].strip())
        if device is None:
            locked = actions.register_failure(user, client_ip(request))
            if locked:
                request.session.pop(PENDING_KEY, None)
                messages.error(request, "动态口令多次错误，账户已锁定")
                return redirect("accounts:login")
            error = "动态口令不正确或已过期"
        else:
            request.session.pop(PENDING_KEY, None)
            return _finish_login(request, user, device)
    return render(request, "accounts/otp.html", {"form": form, "error": error, "pending_user": user})


@require_POST
def logout_view(request):
    user = request.user if request.user.is_authenticated else None
    if user is not None:
        trail.record(AuditAction.LOGOUT, user, actor=user, ip=client_ip(request))
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    logout(request)  # flushes the session
    messages.info(request, "已安全退出")
    return redirect("accounts:login")


@login_required
def password_change_view(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        actions.set_password(user, form.cleaned_data["new_password1"], by_admin=False)
        actions.kill_sessions(user, except_key=request.session.session_key)
        from django.contrib.auth import update_session_auth_hash

        update_session_auth_hash(request, user)
        UserSession.objects.update_or_create(
            session_key=request.session.session_key, defaults={"user": user, "ip": client_ip(request)}
        )
        messages.success(request, "密码已修改")
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form, "title": "修改密码"})
