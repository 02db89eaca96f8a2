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


def client_ip(request) -> str | None:
    # REMOTE_ADDR only; behind nginx the proxy sets it via the documented uwsgi/gunicorn config.
    return request.META.get("REMOTE_ADDR") or None
