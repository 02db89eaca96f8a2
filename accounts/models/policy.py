from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class SecurityPolicy(models.Model):
    """The sign-in policy (等保三级 baseline). One row; the security admin edits it.

    Defaults are the numbers in the platform issue; every change is audited.
    """

    min_length = models.PositiveSmallIntegerField(
        "密码最小长度", default=8, validators=[MinValueValidator(8), MaxValueValidator(64)]
    )
    min_classes = models.PositiveSmallIntegerField(
        "至少包含字符类别数",
        default=3,
        validators=[MinValueValidator(2), MaxValueValidator(4)],
        help_text="大写、小写、数字、符号四类中至少包含的类别数",
    )
    history_count = models.PositiveSmallIntegerField(
        "不得与最近几次密码相同", default=5, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    expiry_days = models.PositiveSmallIntegerField(
        "密码有效期（天）", default=90, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    max_failures = models.PositiveSmallIntegerField(
        "连续登录失败锁定次数", default=5, validators=[MinValueValidator(3), MaxValueValidator(10)]
    )
    lockout_minutes = models.PositiveSmallIntegerField(
        "锁定时长（分钟）", default=30, validators=[MinValueValidator(10), MaxValueValidator(1440)]
    )
    idle_minutes = models.PositiveSmallIntegerField(
        "会话空闲超时（分钟）", default=30, validators=[MinValueValidator(5), MaxValueValidator(120)]
    )
    admin_otp_required = models.BooleanField("三员登录须动态口令", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    audit_fields = [
        "min_length",
        "min_classes",
        "history_count",
        "expiry_days",
        "max_failures",
        "lockout_minutes",
        "idle_minutes",
        "admin_otp_required",
    ]

    class Meta:
        verbose_name = "安全策略"
        verbose_name_plural = "安全策略"

    def __str__(self) -> str:
        return "安全策略"

    @classmethod
    def current(cls) -> "SecurityPolicy":
        policy = cls.objects.order_by("pk").first()
        if policy is None:
            policy = cls.objects.create()
        return policy
