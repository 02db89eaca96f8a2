from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit import checkpoints as checkpoint_file
from audit.models import AuditEntry
from audit.verify import Damage, Problem, describe, verify_chain, verify_checkpoints

SHOWN = 50  # problems listed in full; the rest are counted


class Command(BaseCommand):
    help = (
        "校验审计日志：逐条校验带密钥的哈希链，并与数据库之外保存的检查点比对；"
        "发现被改动、删除、插入、截断或整链重写的记录时，指出第一条异常记录和异常类型，以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from-id",
            type=int,
            default=None,
            help="从该序号开始校验（按保存期限清理早期日志后使用，以保留的第一条为锚点）",
        )
        parser.add_argument(
            "--checkpoints",
            default=None,
            help="检查点文件（默认 JIXIAO_AUDIT_CHECKPOINT_FILE）；也接受从日志或导出文件中复制的检查点行",
        )

    def handle(self, *args, from_id=None, checkpoints=None, **options):
        problems: list[Problem] = list(verify_chain(from_id=from_id))
        found, note = self._checkpoints(checkpoints)
        if found is not None:
            checkpoints_read, errors = found
            problems += [Problem(Damage.BAD_CHECKPOINT, f"检查点文件{error}") for error in errors]
            problems += list(verify_checkpoints(checkpoints_read, from_id=from_id))
        total = AuditEntry.objects.count()
        if note:
            self.stdout.write(self.style.WARNING(note))
        if problems:
            problems.sort(key=lambda p: (p.entry_id is None, p.entry_id or 0))
            for problem in problems[:SHOWN]:
                self.stdout.write(self.style.ERROR(describe(problem)))
            if len(problems) > SHOWN:
                self.stdout.write(self.style.ERROR(f"……另有 {len(problems) - SHOWN} 处异常未列出"))
            kinds = "、".join(sorted({p.kind for p in problems}))
            raise CommandError(
                f"审计日志校验失败：{len(problems)} 处异常（{kinds}），第一处：{describe(problems[0])}（共 {total} 条）"
            )
        self.stdout.write(
            self.style.SUCCESS(f"审计日志校验通过：共 {total} 条，哈希链完整{'' if note else '，与检查点一致'}")
        )

    def _checkpoints(self, given: str | None):
        """(checkpoints, unreadable lines) from the file, or None and a warning when there is none to read."""
        path = Path(given) if given else Path(settings.JIXIAO_AUDIT_CHECKPOINT_FILE)
        if not path.exists():
            if given:
                raise CommandError(f"检查点文件 {path} 不存在")
            return None, (
                f"未找到检查点文件 {path}：只校验了哈希链，末尾记录被删除或整链被重写无法发现"
                "（请用定时任务运行 audit_checkpoint，见管理员手册）"
            )
        try:
            found = checkpoint_file.read(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"检查点文件 {path} 无法读取（{exc}）")
        if not found[0] and not found[1]:
            return found, f"检查点文件 {path} 中还没有检查点：末尾记录被删除或整链被重写无法发现"
        return found, ""
