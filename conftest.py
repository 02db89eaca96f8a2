"""Shared fixtures. The demo city (seed_demo --scale small) is loaded once into the test database;
its accounts are the personas (one for every role), as in healthchecks' alice/bob/charlie."""

import pytest
from django.test import Client


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
    """A test client signed in as ``user``, second factor included for the administrators."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


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
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default"]}}
