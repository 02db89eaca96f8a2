from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "显示演示管理员账号当前的动态口令（仅用于演示环境）。"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"用户 {username} 没有动态口令设备")
        from demo.seed import DEMO_OTP_HEX

        if device.key != DEMO_OTP_HEX:
            raise CommandError("只能显示演示账号的动态口令（该账号使用的不是演示密钥）")
        token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{token:0{device.digits}d}")
