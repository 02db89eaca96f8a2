from django.core.management.base import BaseCommand

from demo.seed import DEMO_OTP_BASE32, DEMO_PASSWORD, SCALES, accounts_of, seed


class Command(BaseCommand):
    help = "生成演示数据（示范市）：行政区划、财政局及科室、部门与预算单位、各角色演示账号。可重复运行，不会重复生成。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=sorted(SCALES),
            default="small",
            help="small：1 市 2 区县；city：1 市 8 区县，约 160 个部门、670 个单位；province：4 市，约 850 个部门、3900 个单位",
        )
        parser.add_argument("--quiet", action="store_true", help="不打印演示账号")

    def handle(self, *args, scale, quiet, **options):
        result = seed(scale)
        self.stdout.write(self.style.SUCCESS(f"演示数据就绪（规模 {scale}，本次新建 {result['created']} 条）"))
        if not quiet:
            self.stdout.write(accounts_text(scale))


def accounts_text(scale: str = "small") -> str:
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    for account in accounts_of(scale):
        lines.append(f"  {account.username:<16} {account.name:<6} {account.note}")
    lines.append(f"三员动态口令：身份验证器密钥 {DEMO_OTP_BASE32}，或运行 `make otp ACCOUNT=sysadmin` 查看当前口令")
    return "\n".join(lines)
