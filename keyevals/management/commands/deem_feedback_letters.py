"""``manage.py deem_feedback_letters``: the daily run of keyevals.tasks.deem_unanswered_letters (feedback letters past
their reply date count as no objection, seed 003 附件6). Enqueued for the worker by default; ``--now`` runs it in this
process (no worker needed). Run once a day from the daily maintenance timer (docs/admin-guide.md §6)."""

from django.core.management.base import BaseCommand

from keyevals.tasks import deem_unanswered_letters


class Command(BaseCommand):
    help = "将反馈截止日期已过仍未反馈的重点评价反馈意见函标记为“逾期未反馈，视同无异议”（默认交给后台任务进程执行）"

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="在本进程中立即执行，不经后台任务进程")

    def handle(self, *args, **options):
        if options["now"]:
            result = deem_unanswered_letters.call()
            self.stdout.write(f"已处理：{result['deemed']} 份反馈意见函逾期视同无异议（业务日期 {result['date']}）")
            return
        queued = deem_unanswered_letters.enqueue()
        self.stdout.write(f"已加入后台任务队列：{queued.id}")
