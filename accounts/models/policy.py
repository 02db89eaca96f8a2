from django.conf import settings
from django.core.cache import caches
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction


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
        """The policy as stored now (for editing it and for the checks of a password change)."""
        policy = cls.objects.order_by("pk").first()
        if policy is None:
            policy = cls.objects.create()
        return policy

    @classmethod
    def cached(cls) -> "SecurityPolicy":
        """The policy for the per-request checks (accounts/middleware.py), from the cache for at most
        ``JIXIAO_POLICY_CACHE_SECONDS``: saving it drops the cached copy, so this process and every process sharing a
        Redis cache apply a change at once; other processes with their own memory cache within those seconds
        (docs/decisions/0029-cheap-shell.md §5)."""
        seconds = settings.JIXIAO_POLICY_CACHE_SECONDS
        if not seconds:
            return cls.current()
        cache = caches[settings.JIXIAO_TODO_CACHE]
        policy = cache.get(POLICY_CACHE_KEY)
        if policy is None:
            policy = cls.current()
            cache.set(POLICY_CACHE_KEY, policy, seconds)
        return policy

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget_cached_policy()
        transaction.on_commit(forget_cached_policy)  # a reader between the save and the commit cached the old one


POLICY_CACHE_KEY = "jixiao:security-policy"


def forget_cached_policy() -> None:
    caches[settings.JIXIAO_TODO_CACHE].delete(POLICY_CACHE_KEY)
