from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    TRANSITION = "transition", "流程操作"
    LOGIN_SUCCESS = "login_success", "登录成功"
    LOGIN_FAILURE = "login_failure", "登录失败"
    LOCKOUT = "lockout", "账户锁定"
    UNLOCK = "unlock", "解除锁定"
    LOGOUT = "logout", "退出登录"
    PERMISSION_DENIED = "permission_denied", "越权访问"
    EXPORT = "export", "数据导出"
    IMPORT = "import", "数据导入"
    PASSWORD_CHANGE = "password_change", "修改密码"
    GRANT = "grant", "授予角色"
    REVOKE = "revoke", "撤销角色"


SECURITY_ACTIONS = {
    AuditAction.LOGIN_SUCCESS,
    AuditAction.LOGIN_FAILURE,
    AuditAction.LOCKOUT,
    AuditAction.UNLOCK,
    AuditAction.LOGOUT,
    AuditAction.PERMISSION_DENIED,
    AuditAction.EXPORT,
    AuditAction.PASSWORD_CHANGE,
    AuditAction.GRANT,
    AuditAction.REVOKE,
}


class AuditEntry(models.Model):
    """One append-only row of the audit trail.

    Rows are written only by ``audit.trail.record`` inside the transaction of the change they
    describe. ``hash`` = HMAC-SHA256, with a key the database does not hold, over every other stored
    field, ``prev_hash`` (the previous row's hash) included; ``algorithm`` names the function
    (``audit/hashing.py``: rows written before migration 0003 are plain ``sha256``). Editing, deleting
    or reordering rows breaks the chain; truncating or rewriting it disagrees with the checkpoints kept
    outside the database (``manage.py verify_audit``). The database refuses UPDATE and DELETE on this
    table (migration 0002).
    """

    created_at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField("操作人", max_length=120, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    action = models.CharField("操作", max_length=30, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True, db_index=True)
    object_type_label = models.CharField("对象类型名称", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    reason = models.TextField("理由/意见", blank=True)
    prev_hash = models.CharField("上一条哈希", max_length=64)
    algorithm = models.CharField("哈希算法", max_length=20)
    key_id = models.CharField("密钥标识", max_length=16, blank=True)
    hash = models.CharField("哈希", max_length=64)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    @property
    def signed(self) -> str:
        """Who acted, for a record's 变更记录 on a business page: the person's name and office, never the login name
        (the audit log itself keeps ``actor_name`` as written). Read with ``select_related("actor__organisation")``."""
        actor = self.actor if self.actor_id else None
        if actor is None or not actor.name:
            return self.actor_name or "系统"
        return f"{actor.name}（{actor.organisation.name}）" if actor.organisation_id else actor.name

    def save(self, *args, **kwargs):
        # ``record`` sets the id before saving (it is inside the hash), so "new" is the state, not the pk.
        if not self._state.adding:
            raise RuntimeError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("审计日志只能追加，不能删除")
