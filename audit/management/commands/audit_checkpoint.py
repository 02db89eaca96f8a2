from django.core.management.base import BaseCommand, CommandError

from audit import checkpoints


class Command(BaseCommand):
    help = (
        "写一个审计日志检查点（记录数、最后序号、最后哈希、时间）到检查点文件和日志 jixiao.audit.checkpoint，"
        "供 verify_audit 发现末尾记录被删除和整链重写。请用 cron 或 systemd 定时器每小时运行一次。"
    )

    def handle(self, *args, **options):
        try:
            checkpoint, path = checkpoints.write()
        except OSError as exc:
            raise CommandError(f"检查点文件无法写入（{exc}）：请检查 JIXIAO_AUDIT_CHECKPOINT_FILE 及其目录的权限")
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入审计日志检查点：共 {checkpoint.count} 条，最后一条为第 {checkpoint.last_id} 条（{path}）"
            )
        )
