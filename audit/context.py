"""Who is acting, from where. Set by the middleware for requests and by jobs for background work.

Audit rows are still written by explicit calls; this only spares every call from passing the
request along.
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    user: object | None = None
    ip: str | None = None
    name: str = ""


_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("jixiao_actor", default=Actor(name="系统"))  # noqa: B039 - frozen


def current_actor() -> Actor:
    return _current.get()


@contextmanager
def acting_as(user=None, ip: str | None = None, name: str = ""):
    token = _current.set(Actor(user=user, ip=ip, name=name or (str(user) if user else "系统")))
    try:
        yield
    finally:
        _current.reset(token)


def identify(user) -> None:
    """Name the user for the rest of the current request, keeping its address. For authentication that happens
    after the middleware ran (an API token is read by the view, not by the middleware): without it a token
    request would be logged as 系统. The middleware's ``acting_as`` resets it when the request ends."""
    current = _current.get()
    _current.set(Actor(user=user, ip=current.ip, name=str(user)))


def client_ip(request) -> str | None:
    """The client's address. Behind nginx (JIXIAO_BEHIND_PROXY=1) it is the X-Real-IP header that
    nginx sets from $remote_addr (docs/admin-guide.md); otherwise REMOTE_ADDR. X-Forwarded-For is
    never trusted: a client can write anything into it."""
    from django.conf import settings

    if getattr(settings, "JIXIAO_BEHIND_PROXY", False):
        real = request.META.get("HTTP_X_REAL_IP", "").strip()
        if real:
            return real[:45]
    return request.META.get("REMOTE_ADDR") or None
