from django.core.management.base import BaseCommand

from core import idempotency


class Command(BaseCommand):
    help = "删除已过期（超过 JIXIAO_IDEMPOTENCY_HOURS 小时）的 Idempotency-Key 记录"

    def handle(self, *args, **options):
        self.stdout.write(f"已删除 {idempotency.purge()} 条过期的 Idempotency-Key 记录")
