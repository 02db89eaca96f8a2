"""Check that the database still refuses what it must (core/immutability.py, audit/migrations/0002): the triggers of
approved records and review logs, and the audit trail's append-only triggers. Used by scripts/restore_drill.sh: a
restore that lost its triggers would accept silent changes."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core import immutability

AUDIT_TRIGGERS = {
    "postgresql": {"audit_entry_no_update_delete", "audit_entry_no_truncate"},
    "sqlite": {"audit_entry_no_update", "audit_entry_no_delete"},
}


class Command(BaseCommand):
    help = "检查数据库中保护审计日志、审核记录和已审核通过记录的触发器是否齐全"

    def handle(self, *args, **options):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            else:
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
        missing = sorted(AUDIT_TRIGGERS.get(connection.vendor, set()) - present)
        missing += [f"{table}（已审核记录保护）" for table in immutability.missing_triggers()]
        if missing:
            raise CommandError(f"缺少触发器：{'、'.join(missing)}。请运行 manage.py migrate 重新安装后再使用该数据库")
        count = len(immutability.GUARDS)
        self.stdout.write(
            self.style.SUCCESS(f"触发器齐全：审计日志只能追加，{count} 张表的已审核记录和审核记录不能修改")
        )
