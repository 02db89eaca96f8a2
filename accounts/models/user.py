from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from accounts.roles import ADMIN_ROLES, ROLE_SPECS, Role


class User(AbstractUser):
    """A person who signs in. Roles are held through RoleAssignment, never Django's groups."""

    name = models.CharField("姓名", max_length=50)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        verbose_name="所属机构",
        on_delete=models.PROTECT,
        related_name="users",
        null=True,
        blank=True,
    )
    phone = models.CharField("手机号码", max_length=20, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    must_change_password = models.BooleanField("下次登录须修改密码", default=True)
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    objects = UserManager()

    audit_fields = [
        "username",
        "name",
        "organisation",
        "phone",
        "email",
        "is_active",
        "must_change_password",
        "locked_until",
    ]
    access_org_field = "organisation"
    access_admin_only = True  # accounts are reached through administrators' admin_actions only

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.name}（{self.username}）" if self.name else self.username

    def clean(self) -> None:
        super().clean()
        if not self.name:
            raise ValidationError({"name": "请填写姓名"})

    def get_absolute_url(self):
        from core.links import detail_url

        return detail_url("accounts:user_detail", self.pk)

    # --- roles -----------------------------------------------------------------------------------
    def role_assignments(self) -> list["RoleAssignment"]:
        """Assignments cached for the life of this object (one request). The user's own organisation, when it is
        among theirs, is taken from them rather than read again (the page shell shows it)."""
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            if not self.pk:
                return []
            cached = list(
                self.roles.select_related("organisation", "organisation__region", "organisation__parent__region")
            )
            self._role_cache = cached
            field = type(self).organisation.field
            if self.organisation_id and not field.is_cached(self):
                same = next((a.organisation for a in cached if a.organisation_id == self.organisation_id), None)
                if same is not None:
                    field.set_cached_value(self, same)
        return cached

    def role_names(self) -> set[str]:
        return {a.role for a in self.role_assignments()}

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names() & set(roles))

    def has_capability(self, capability: str) -> bool:
        return any(capability in ROLE_SPECS[a.role].capabilities for a in self.role_assignments())

    @property
    def is_admin_role(self) -> bool:
        return bool(self.role_names() & ADMIN_ROLES)

    def is_locked(self, now=None) -> bool:
        return bool(self.locked_until and self.locked_until > (now or timezone.now()))


class RoleAssignment(models.Model):
    """A user holds a role at an organisation. Granted and revoked only by the security admin."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="roles")
    role = models.CharField("角色", max_length=30, choices=Role.choices)
    organisation = models.ForeignKey(
        "organisations.Organisation", verbose_name="机构", on_delete=models.PROTECT, related_name="role_assignments"
    )
    granted_at = models.DateTimeField("授予时间", default=timezone.now)

    audit_fields = ["user", "role", "organisation"]
    access_org_field = "organisation"

    class Meta:
        verbose_name = "角色授权"
        verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role", "organisation"], name="unique_role_grant")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} @ {self.organisation}"

    def clean(self) -> None:
        errors = {}
        spec = ROLE_SPECS.get(self.role)
        if spec is None:
            raise ValidationError({"role": "未知角色"})
        if self.organisation_id:
            org = self.organisation
            if org.kind not in spec.org_kinds:
                errors["organisation"] = f"“{self.get_role_display()}”不能在{org.get_kind_display()}“{org.name}”授予"
            elif spec.section_kinds and org.kind == "finance_section" and org.section_kind not in spec.section_kinds:
                errors["organisation"] = f"“{self.get_role_display()}”只能在对应的财政局科室授予"
        if self.user_id and self.role in ADMIN_ROLES:
            # 三员分立: an account may hold at most one of the three administrator roles, and no
            # administrator also holds a business role.
            others = set(
                RoleAssignment.objects.filter(user_id=self.user_id).exclude(pk=self.pk).values_list("role", flat=True)
            )
            clash = others - {self.role}
            if clash:
                errors["role"] = "三员分立：系统管理员、安全管理员、审计管理员不能与其他角色由同一账号兼任"
        elif self.user_id and RoleAssignment.objects.filter(user_id=self.user_id, role__in=ADMIN_ROLES).exists():
            errors["role"] = "三员分立：该账号已是管理员，不能再授予其他角色"
        if errors:
            raise ValidationError(errors)


class PasswordHistory(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class UserSession(models.Model):
    """Which session belongs to whom, so logout, disable and forced change can end them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "在线会话"
        verbose_name_plural = "在线会话"

    def __str__(self) -> str:
        return f"{self.user_id} · {self.session_key[:6]}…"
