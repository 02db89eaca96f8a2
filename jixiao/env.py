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


def check_production(
    *,
    debug,
    secret_key_given,
    secret_key,
    audit_key_given,
    audit_key,
    allowed_hosts,
    default_hosts,
    database,
    secure_cookies,
    business_date,
) -> None:
    """With JIXIAO_PRODUCTION=1, refuse to start on any setting that only suits a developer's checkout, naming
    every problem at once (docs/admin-guide.md §4 says what each needs)."""
    problems = []
    if debug:
        problems.append("JIXIAO_DEBUG 必须关闭（调试页面会泄露配置和代码）")
    if not secret_key_given:
        problems.append("未设置 JIXIAO_SECRET_KEY（或 JIXIAO_SECRET_KEY_FILE），不能使用自动生成的开发密钥")
    elif len(secret_key) < 40 or len(set(secret_key)) < 10:
        problems.append("JIXIAO_SECRET_KEY 太短或过于简单（至少 40 个字符的随机串）")
    if not audit_key_given:
        problems.append(
            "未设置 JIXIAO_AUDIT_KEY（或 JIXIAO_AUDIT_KEY_FILE）：审计日志哈希链须用单独的密钥，且不能保存在数据库中"
        )
    elif len(audit_key) < 32 or len(set(audit_key)) < 10:
        problems.append("JIXIAO_AUDIT_KEY 太短或过于简单（至少 32 个字符的随机串）")
    elif audit_key == secret_key:
        problems.append("JIXIAO_AUDIT_KEY 不能与 JIXIAO_SECRET_KEY 相同")
    hosts = [h for h in allowed_hosts if h]
    if not hosts or set(hosts) <= set(default_hosts) or "*" in hosts:
        problems.append("JIXIAO_ALLOWED_HOSTS 须写明本系统的域名（不能为空、不能只有本机地址、不能为 *）")
    if not os.environ.get("DATABASE_URL") and not os.environ.get("DATABASE_URL_FILE"):
        problems.append("未设置 DATABASE_URL（或 DATABASE_URL_FILE），生产不能使用内置的 SQLite 数据库")
    elif not database.get("ENGINE", "").endswith("postgresql"):
        problems.append("生产数据库须为 PostgreSQL（DATABASE_URL=postgres://…）")
    if not secure_cookies:
        problems.append("JIXIAO_SECURE_COOKIES 不能关闭（生产须经 HTTPS 访问）")
    if business_date:
        problems.append("生产不能固定业务日期：请删除 JIXIAO_BUSINESS_DATE")
    if problems:
        raise ImproperlyConfigured("生产配置不完整（JIXIAO_PRODUCTION=1），拒绝启动：\n- " + "\n- ".join(problems))
