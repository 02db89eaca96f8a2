"""Typed helpers that read settings from environment variables.

A malformed value stops start-up with a message naming the variable, so a typo in a
deployment never turns into a silently wrong default (healthchecks `hc/settings.py` style).
Any variable may also be given as ``<NAME>_FILE`` pointing at a file holding the value
(for secrets mounted by the operating system).
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            with open(file_name, encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"配置错误：{name}_FILE 指向的文件无法读取（{exc}）") from exc
    return os.environ.get(name)


def envstr(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def envbool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"配置错误：环境变量 {name}={value!r} 不是布尔值（可用 1/0、true/false、yes/no、on/off）"
    )


def envint(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"配置错误：环境变量 {name}={value!r} 不是整数") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"配置错误：环境变量 {name}={number} 不能小于 {minimum}")
    return number


def envlist(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envdatabase(name: str, default: str) -> dict:
    """Parse a database URL (sqlite:///path or postgres://user@host/db)."""
    import dj_database_url

    value = envstr(name, default)
    if not value.startswith(("sqlite://", "postgres://", "postgresql://")):
        raise ImproperlyConfigured(
            f"配置错误：{name}={value!r} 无法识别，应为 sqlite:///路径 或 postgres://用户@主机:端口/库名"
        )
    try:
        return dj_database_url.parse(value, conn_max_age=60 if value.startswith("postgres") else 0)
    except Exception as exc:  # dj_database_url raises several types
        raise ImproperlyConfigured(f"配置错误：{name} 解析失败（{exc}）") from exc
