from django.core.management.base import BaseCommand, CommandError

from imports import liveness


class Command(BaseCommand):
    help = (
        "检查后台导入任务：心跳超过时限（JIXIAO_JOB_STALE_SECONDS，默认 180 秒）的“正在导入”任务判定为后台处理进程已中断，"
        "标记为导入失败并说明原因，其后台任务记录同时标记为失败，删除其暂存表及无主的暂存表。"
        "在启动 db_worker 之前运行，并由定时器每几分钟运行一次（docs/admin-guide.md）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--stale-seconds",
            type=int,
            default=None,
            help="心跳时限（秒），默认取 JIXIAO_JOB_STALE_SECONDS",
        )

    def handle(self, *args, stale_seconds=None, **options):
        if stale_seconds is not None and stale_seconds < 1:
            raise CommandError("--stale-seconds 至少为 1 秒")
        reaped = liveness.reap(limit=stale_seconds)
        if reaped:
            ids = "、".join(f"#{pk}" for pk in reaped)
            self.stdout.write(self.style.WARNING(f"已将 {len(reaped)} 个中断的导入任务标记为失败：{ids}"))
        elif options["verbosity"] >= 1:
            self.stdout.write("没有中断的导入任务。")
