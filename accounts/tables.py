import django_tables2 as tables

from accounts.models import User


class UserTable(tables.Table):
    username = tables.Column(linkify=True, verbose_name="用户名")
    organisation = tables.Column(accessor="organisation__name", verbose_name="所属机构")
    roles = tables.Column(empty_values=(), orderable=False, verbose_name="角色")
    locked = tables.Column(empty_values=(), orderable=False, verbose_name="锁定")

    class Meta:
        model = User
        fields = ["username", "name", "organisation", "roles", "is_active", "locked", "last_login"]
        attrs = {"class": "table table-vcenter card-table table-striped"}

    def render_roles(self, record):
        return "、".join(sorted({a.get_role_display() for a in record.roles.all()})) or "—"

    def render_locked(self, record):
        return "已锁定" if record.is_locked() else "—"
