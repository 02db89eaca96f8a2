from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEntry
from audit.trail import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链：发现被篡改、删除或插入的记录时以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-id",
            type=int,
            default=None,
            help="从该序号开始校验（按保存期限清理早期日志后使用，以保留的第一条为锚点）",
        )

    def handle(self, *args, from_id=None, **options):
        problems = list(verify_chain(from_id=from_id))
        total = AuditEntry.objects.count()
        for entry_id, problem in problems:
            self.stdout.write(self.style.ERROR(f"审计日志第 {entry_id} 条：{problem}"))
        if problems:
            raise CommandError(f"审计日志校验失败：{len(problems)} 条异常（共 {total} 条）")
        self.stdout.write(self.style.SUCCESS(f"审计日志校验通过：共 {total} 条，哈希链完整"))
