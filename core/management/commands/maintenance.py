"""The maintenance switch (core/immutability.py, docs/decisions/0024-immutable-approved-records.md): run SQL that
corrects approved records or review logs, which the database otherwise refuses, in one transaction, with its reason,
its operator and what it ran in the audit trail.

    manage.py maintenance --operator "张三（数据库管理员）" --reason "更正工单 2026-118：…" --sql fix.sql [--yes]

Without --yes it runs the statements, prints how many rows each changed, and rolls everything back (a dry run).
"""

from __future__ import annotations

import sys
from pathlib import Path

import sqlparse
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction

from audit import trail
from audit.context import acting_as
from audit.models import AuditAction
from core import immutability


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "在维护开关下执行更正已审核通过记录或审核记录的 SQL（整体一个事务，写入审计日志）"

    def add_arguments(self, parser):
        parser.add_argument("--operator", required=True, help="操作人姓名与身份")
        parser.add_argument("--reason", required=True, help="理由（如工单号与更正内容）")
        parser.add_argument("--sql", required=True, help="SQL 文件路径，- 为标准输入")
        parser.add_argument("--yes", action="store_true", help="确认提交；不加则只试运行并回滚")

    def handle(self, *args, operator, reason, sql, yes, **options):
        text = sys.stdin.read() if sql == "-" else _read(sql)
        statements = [s.strip().rstrip(";") for s in sqlparse.split(text) if s.strip().rstrip(";").strip()]
        if not statements:
            raise CommandError(f"SQL 文件中没有语句：{sql}")
        counts: list[int] = []
        try:
            with transaction.atomic(), acting_as(name=f"{operator}（维护开关）"):
                with immutability.maintenance(reason, operator) as window:
                    with connection.cursor() as cursor:
                        for statement in statements:
                            cursor.execute(statement)
                            counts.append(cursor.rowcount)
                    trail.record(
                        AuditAction.UPDATE,
                        window,
                        reason=reason,
                        changes={
                            "维护开关": [f"{s}（{n} 行）" for s, n in zip(statements, counts, strict=True)],
                            "是否提交": "是" if yes else "否（试运行，已回滚）",
                        },
                    )
                if not yes:
                    raise DryRun
        except DryRun:
            self.stdout.write(self.style.WARNING("试运行：以下语句已执行后整体回滚；确认无误后加 --yes 提交"))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except DatabaseError as exc:  # nothing was committed
            raise CommandError(f"执行失败，未做任何修改：{exc}") from exc
        for statement, count in zip(statements, counts, strict=True):
            self.stdout.write(f"{count:>8} 行  {statement[:120]}")
        if yes:
            self.stdout.write(self.style.SUCCESS(f"已提交，维护记录 {window.pk} 号，审计日志已记录"))


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"无法读取 SQL 文件 {path}：{exc}") from exc
