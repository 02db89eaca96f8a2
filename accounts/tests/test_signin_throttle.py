"""Sign-in that tells no stranger which accounts exist, and a per-address throttle (issue 17 §7).

The throttle (django-axes) is off in the rest of the suite (conftest.py); every test here turns it on."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.signin import FAILURE_MESSAGE
from audit.models import AuditAction, AuditEntry
from demo.seed import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
TOKEN = "/api/token/"
THROTTLED = "登录尝试过于频繁，请 15 分钟后再试"


@pytest.fixture(autouse=True)
def throttle_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 20
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def sign_in(client, username, password=DEMO_PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def login_error(response) -> str:
    found = re.search(r'id="login-error">([^<]*)<', response.content.decode())
    return found.group(1) if found else ""


def lock(username: str) -> User:
    user = User.objects.get(username=username)
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() + timedelta(minutes=30))
    return user


# --- account enumeration ----------------------------------------------------------------------------


def test_unknown_wrong_locked_and_disabled_accounts_get_one_answer():
    lock("budget")
    User.objects.filter(username="health_reviewer").update(is_active=False)
    cases = {
        "unknown user": ("nobody-here", "wrong-Pass1"),
        "wrong password": ("perf", "wrong-Pass1"),
        "locked, wrong password": ("budget", "wrong-Pass1"),
        "locked, right password": ("budget", DEMO_PASSWORD),
        "disabled, right password": ("health_reviewer", DEMO_PASSWORD),
    }
    answers = {}
    for case, (username, password) in cases.items():
        response = sign_in(Client(), username, password)
        answers[case] = (response.status_code, login_error(response))
    assert set(answers.values()) == {(200, FAILURE_MESSAGE)}, answers
    assert not re.search(r"\d", FAILURE_MESSAGE)  # no count of tries left, no unlock time
    # The real reasons are in the audit trail, for the administrators.
    reasons = set(AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILURE).values_list("reason", flat=True))
    assert {"用户名不存在或账户已停用", "账户锁定期间尝试登录", "密码错误（第 1 次）"} <= reasons


def test_the_api_token_gives_one_answer_too():
    lock("budget")
    answers = {
        (response.status_code, response.json()["detail"])
        for response in (
            Client().post(TOKEN, {"username": username, "password": password})
            for username, password in [
                ("nobody-here", "wrong-Pass1"),
                ("perf", "wrong-Pass1"),
                ("budget", "wrong-Pass1"),
                ("budget", DEMO_PASSWORD),
            ]
        )
    }
    assert answers == {(400, FAILURE_MESSAGE)}


def test_every_refusal_runs_the_password_hasher_once(monkeypatch):
    """Timing: an unknown username costs one hash as a known one does (ModelBackend's dummy hash), and a
    locked account is hashed too, so the time of the answer does not tell them apart."""
    calls = []
    original = MD5PasswordHasher.encode
    monkeypatch.setattr(MD5PasswordHasher, "encode", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    lock("budget")
    for username in ["nobody-here", "perf", "budget"]:
        calls.clear()
        sign_in(Client(), username, "wrong-Pass1")
        assert len(calls) == 1, username


def test_the_owner_hears_of_failures_and_lockouts_after_signing_in():
    client = Client()
    for _ in range(5):
        sign_in(client, "budget", "wrong-Pass1")
    user = User.objects.get(username="budget")
    assert user.is_locked()
    User.objects.filter(pk=user.pk).update(locked_until=timezone.now() - timedelta(minutes=1))  # the lock ran out
    response = sign_in(client, "budget")
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "自上次登录以来，您的账户有 5 次登录失败，账户因此被锁定 1 次" in page
    client.post("/accounts/logout/")
    sign_in(client, "budget")
    assert "自上次登录以来" not in client.get("/").content.decode()  # told once


# --- per-address throttling -------------------------------------------------------------------------


def test_forty_usernames_from_one_address_are_throttled_after_the_limit():
    """The issue's attack: 40 sign-ins with different usernames from one address all went through."""
    attacker = Client(REMOTE_ADDR="10.20.30.40")
    statuses = [sign_in(attacker, f"guess{i:02d}", "wrong-Pass1").status_code for i in range(40)]
    assert statuses == [200] * 19 + [429] * 21
    response = sign_in(attacker, "perf")  # the 41st, with a right password: refused before any check
    assert response.status_code == 429 and THROTTLED in response.content.decode()
    assert response["Retry-After"] == str(15 * 60)
    assert "_auth_user_id" not in attacker.session
    assert AuditEntry.objects.filter(reason__contains="达到上限", ip="10.20.30.40").count() == 1
    # Another address is not affected.
    assert sign_in(Client(REMOTE_ADDR="10.20.30.41"), "perf").status_code == 302


def test_the_api_token_is_throttled_and_counts_with_the_page():
    attacker = Client(REMOTE_ADDR="10.20.30.50")
    for i in range(10):
        sign_in(attacker, f"guess{i}", "wrong-Pass1")
    statuses = [attacker.post(TOKEN, {"username": f"api{i}", "password": "wrong-Pass1"}).status_code for i in range(11)]
    assert statuses == [400] * 9 + [429] * 2
    response = attacker.post(TOKEN, {"username": "perf", "password": DEMO_PASSWORD})
    assert response.status_code == 429 and response.json() == {"detail": THROTTLED}
    assert response["Retry-After"] == str(15 * 60)
    assert sign_in(attacker, "perf").status_code == 429


def test_the_throttle_lifts_after_the_cool_off(monkeypatch):
    attacker = Client(REMOTE_ADDR="10.20.30.60")
    for i in range(20):
        sign_in(attacker, f"guess{i}", "wrong-Pass1")
    assert sign_in(attacker, "perf").status_code == 429
    import axes.handlers.proxy

    later = timezone.now() + timedelta(minutes=16)
    monkeypatch.setattr(axes.handlers.proxy, "now", lambda: later)
    assert sign_in(attacker, "perf").status_code == 302


def test_successes_are_not_counted():
    office = Client(REMOTE_ADDR="10.20.30.70")
    for _ in range(25):
        assert sign_in(office, "perf").status_code == 302
        office.post("/accounts/logout/")


def test_behind_the_proxy_the_address_is_x_real_ip_and_x_forwarded_for_is_ignored(settings):
    settings.JIXIAO_BEHIND_PROXY = True
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    for i in range(20):
        proxy.post(
            LOGIN,
            {"username": f"guess{i}", "password": "wrong-Pass1"},
            HTTP_X_REAL_IP="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",  # a client can write anything here
        )
    blocked = proxy.post(LOGIN, {"username": "perf", "password": DEMO_PASSWORD}, HTTP_X_REAL_IP="203.0.113.9")
    assert blocked.status_code == 429
    other = proxy.post(LOGIN, {"username": "perf", "password": DEMO_PASSWORD}, HTTP_X_REAL_IP="203.0.113.10")
    assert other.status_code == 302


def test_a_trusted_address_is_never_throttled(settings):
    settings.AXES_IP_WHITELIST = ["10.20.30.80"]
    settings.AXES_NEVER_LOCKOUT_WHITELIST = True
    office = Client(REMOTE_ADDR="10.20.30.80")
    for i in range(25):
        assert sign_in(office, f"guess{i}", "wrong-Pass1").status_code == 200
    assert sign_in(office, "perf").status_code == 302
