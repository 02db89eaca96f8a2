"""Shared fixtures. The demo city (seed_demo --scale small) is loaded once into the test database;
its accounts are the personas (one for every role), as in healthchecks' alice/bob/charlie."""

import pytest
from django.test import Client


def pytest_configure(config):
    """The suite runs on the demo's business date (core/clock.py), whatever the wall clock says: set before
    collection, so a module-level ``fiscal.default_year()`` sees it too. A test that needs another date pins it
    (``clock.pinned``) or sets ``settings.JIXIAO_BUSINESS_DATE``. Passwords are hashed with a fast hasher, except
    in the tests of hashing itself (``argon2_hasher``). The per-address sign-in throttle (django-axes) is off,
    except in the tests that turn it on (``settings.AXES_ENABLED = True``, accounts/tests/test_signin_throttle.py):
    the suite signs in from one address far more often than any person."""
    from django.test import override_settings

    override_settings(
        JIXIAO_BUSINESS_DATE="demo",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        AXES_ENABLED=False,
    ).enable()


@pytest.fixture
def argon2_hasher(settings):
    """The production hashers, for the tests of password hashing."""
    settings.PASSWORD_HASHERS = [
        "accounts.hashers.JixiaoArgon2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache: the database is rolled back between tests, and on SQLite the ids (of
    the audit rows that stamp the cached 待办 counts, core/todo.py) are handed out again."""
    from django.core.cache import caches

    caches["default"].clear()
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from demo.seed import seed

    with django_db_blocker.unblock():
        seed("small")


@pytest.fixture
def persona(db):
    from accounts.models import User

    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


def login_client(user) -> Client:
    """A test client signed in as ``user``, second factor included for the administrators (core.testing)."""
    from core.testing import client_for

    return client_for(user)


@pytest.fixture
def client_as(persona):
    def make(username: str) -> Client:
        return login_client(persona(username))

    return make


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def immediate_tasks(settings, media_root):
    """Background tasks run at once, inside the request (django-tasks' ImmediateBackend)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
