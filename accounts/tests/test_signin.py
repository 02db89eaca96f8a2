"""Sign-in baseline of 等保三级 (issue 2 §5)."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp

from accounts import actions
from accounts.models import SecurityPolicy, User
from audit.models import AuditAction, AuditEntry
from demo.seed import DEMO_OTP_HEX, DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def post_login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(persona, argon2_hasher):
    user = persona("perf")
    actions.set_password(user, "Argon@2026x", by_admin=False)
    user.refresh_from_db()
    assert identify_hasher(user.password).algorithm == "argon2"
    assert user.check_password("Argon@2026x")


@pytest.mark.parametrize(
    "password, message",
    [
        ("Ab1!", "至少 8 位"),
        ("abcdefgh1", "至少 3 类"),
        ("Perf@2026x", "用户名"),
    ],
)
def test_password_policy(persona, password, message):
    user = persona("perf")
    with pytest.raises(ValidationError) as exc:
        actions.set_password(user, password, by_admin=False)
    assert message in "".join(exc.value.messages)


def test_none_of_the_last_five_passwords(persona):
    user = persona("edu_head")
    passwords = [f"Xy!{i}abcdef" for i in range(6)]
    for p in passwords:
        actions.set_password(user, p, by_admin=False)
    for recent in passwords[1:]:
        with pytest.raises(ValidationError, match="最近 5 次"):
            actions.set_password(user, recent, by_admin=False)
    actions.set_password(user, passwords[0], by_admin=False)  # the sixth-last is allowed again


def test_good_login_lands_on_home_and_cycles_the_session_key():
    client = Client()
    client.get("/accounts/login/")
    before = client.cookies.get("sessionid")
    response = post_login(client, "perf", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert "工作台" in client.get("/").content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.LOGIN_SUCCESS, actor__username="perf").exists()


def test_five_failures_lock_for_thirty_minutes_then_admin_unlock(persona, client_as):
    from accounts.signin import FAILURE_MESSAGE

    client = Client()
    for _ in range(5):  # the page never says how many tries are left, nor that the account is locked
        assert FAILURE_MESSAGE in post_login(client, "budget", "wrong-Pass1").content.decode()
    user = persona("budget")
    assert user.locked_until - timezone.now() > timedelta(minutes=29)
    # The right password does not help while locked.
    response = post_login(client, "budget", DEMO_PASSWORD)
    assert response.status_code == 200 and FAILURE_MESSAGE in response.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.LOCKOUT, object_id=str(user.pk)).exists()
    # Only the security admin unlocks early, with a reason, and it is audited.
    client_as("sysadmin").post(f"/accounts/users/{user.pk}/unlock/", {"reason": "本人确认"})
    user.refresh_from_db()
    assert user.is_locked()
    client_as("secadmin").post(f"/accounts/users/{user.pk}/unlock/", {"reason": "本人电话确认"})
    user.refresh_from_db()
    assert not user.is_locked()
    assert AuditEntry.objects.filter(action=AuditAction.UNLOCK, reason="本人电话确认").exists()
    assert post_login(client, "budget", DEMO_PASSWORD).status_code == 302


def test_lockout_thresholds_come_from_the_policy(persona):
    policy = SecurityPolicy.current()
    policy.max_failures = 3
    policy.save()
    client = Client()
    for _ in range(3):
        post_login(client, "treasury", "wrong-Pass1")
    assert persona("treasury").is_locked()


def test_admin_set_password_must_be_changed_at_first_login(persona, client_as):
    user = persona("health_preparer")
    actions.set_password(user, "Reset#2026a", by_admin=True)
    client = Client()
    assert post_login(client, "health_preparer", "Reset#2026a").status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/"
    response = client.post(
        "/accounts/password/",
        {"old_password": "Reset#2026a", "new_password1": "Mine#2026b", "new_password2": "Mine#2026b"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_password_older_than_90_days_forces_a_change(persona):
    user = persona("desk_social")
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    client = Client()
    post_login(client, "desk_social", DEMO_PASSWORD)
    assert client.get("/").headers["Location"] == "/accounts/password/"


def test_idle_session_expires():
    client = Client()
    post_login(client, "leader", DEMO_PASSWORD)
    assert client.get("/").status_code == 200
    session = client.session
    session["last_activity"] = timezone.now().timestamp() - 31 * 60
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_logout_kills_the_session():
    client = Client()
    post_login(client, "leader", DEMO_PASSWORD)
    key = client.session.session_key
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/").status_code == 302


def test_disabling_an_account_kills_its_sessions(persona, client_as):
    victim = Client()
    post_login(victim, "health_reviewer", DEMO_PASSWORD)
    assert victim.get("/").status_code == 200
    user = persona("health_reviewer")
    client_as("sysadmin").post(f"/accounts/users/{user.pk}/disable/", {"reason": "离职"})
    assert victim.get("/").status_code == 302
    assert post_login(Client(), "health_reviewer", DEMO_PASSWORD).status_code == 200  # refused


@pytest.mark.parametrize("username", ["sysadmin", "secadmin", "auditadmin"])
def test_the_three_administrators_need_a_second_factor(username):
    client = Client()
    response = post_login(client, username, DEMO_PASSWORD)
    assert response["Location"] == "/accounts/otp/"
    assert client.get("/").status_code == 302  # not signed in yet
    token = f"{totp(bytes.fromhex(DEMO_OTP_HEX)):06d}"
    assert client.post("/accounts/otp/", {"token": token}).status_code == 302
    assert client.get("/").status_code == 200


def test_cookies_and_csp_headers(settings):
    client = Client()
    response = client.get("/accounts/login/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "http" not in csp.replace("'self'", "")
    from django.conf import settings as conf

    assert conf.SESSION_COOKIE_HTTPONLY and conf.SESSION_COOKIE_SAMESITE == "Strict"
    post_login(client, "perf", DEMO_PASSWORD)
    assert client.cookies["sessionid"]["httponly"]
    assert client.cookies["sessionid"]["samesite"] == "Strict"


def test_only_the_security_admin_changes_the_policy(client_as):
    data = {
        "min_length": 10,
        "min_classes": 3,
        "history_count": 5,
        "expiry_days": 90,
        "max_failures": 5,
        "lockout_minutes": 30,
        "idle_minutes": 30,
        "admin_otp_required": "on",
        "reason": "提高要求",
    }
    assert client_as("sysadmin").post("/accounts/policy/", data).status_code == 404
    assert client_as("secadmin").post("/accounts/policy/", data).status_code == 302
    assert SecurityPolicy.current().min_length == 10
    entry = AuditEntry.objects.filter(object_type="accounts.securitypolicy").first()
    assert entry.changes["密码最小长度"] == [8, 10]


def test_a_wrong_one_time_password_is_refused_and_counted(persona):
    client = Client()
    post_login(client, "auditadmin", DEMO_PASSWORD)
    assert "不正确" in client.post("/accounts/otp/", {"token": "000000"}).content.decode()
    assert client.get("/").status_code == 302
    assert persona("auditadmin").failed_logins == 1


def test_login_never_redirects_to_another_site():
    client = Client()
    response = client.post(
        "/accounts/login/?next=https://evil.example/x",
        {"username": "perf", "password": DEMO_PASSWORD, "next": "https://evil.example/x"},
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_client_address_behind_the_proxy_comes_from_x_real_ip(settings):
    from django.test import RequestFactory

    from audit.context import client_ip

    request = RequestFactory().get(
        "/", HTTP_X_REAL_IP="10.9.8.7", HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR="127.0.0.1"
    )
    settings.JIXIAO_BEHIND_PROXY = False
    assert client_ip(request) == "127.0.0.1"
    settings.JIXIAO_BEHIND_PROXY = True
    assert client_ip(request) == "10.9.8.7"


def test_api_schema_needs_a_signed_in_user(client):
    assert client.get("/api/openapi.json").status_code in (401, 403)


def test_argon2_uses_the_configured_cost_and_upgrades_an_old_hash_at_sign_in(persona, argon2_hasher, settings):
    """Issue 16 "Sign-in cost": OWASP's Argon2id parameters by default, each a setting; a hash made with Django's
    heavier defaults still verifies and is re-hashed with the configured cost at the next sign-in."""
    from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

    user = persona("perf")
    user.password = make_password("Argon@2026x", hasher=Argon2PasswordHasher())  # m=102400, t=2, p=8
    user.save(update_fields=["password"])
    assert "m=102400,t=2,p=8" in user.password
    response = post_login(Client(), "perf", "Argon@2026x")
    assert response.status_code == 302
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
    settings.JIXIAO_ARGON2_MEMORY_KIB = 65536
    actions.set_password(user, "Argon@2026y", by_admin=False)
    user.refresh_from_db()
    assert "m=65536,t=2,p=1" in user.password and user.check_password("Argon@2026y")
