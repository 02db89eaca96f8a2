import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from audit.models import AuditEntry
from core.tables import DateTimeColumn


class AuditEntryTable(tables.Table):
    id = tables.Column(linkify=("audit:detail", [tables.A("pk")]), verbose_name="序号")
    created_at = DateTimeColumn(format="Y-m-d H:i:s", verbose_name="时间")
    changes = tables.Column(orderable=False, verbose_name="变更内容")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor_name",
            "ip",
            "action",
            "object_type_label",
            "object_repr",
            "changes",
            "reason",
        ]
        order_by = ("-id",)
        attrs = {"class": "table table-vcenter card-table table-sm"}

    def render_changes(self, value):
        if not value:
            return "—"
        return format_html(
            "<ul class='list-unstyled mb-0 small'>{}</ul>",
            format_html_join(
                "",
                "<li><b>{}</b>：{} → {}</li>",
                (
                    (k, _short(v[0] if isinstance(v, list) else ""), _short(v[1] if isinstance(v, list) else v))
                    for k, v in value.items()
                ),
            ),
        )

    def value_changes(self, value):
        """The export's 变更内容 as people read it, one change a line: 字段：修改前 → 修改后 (issue 12 §6)."""
        if not value:
            return ""
        return "\n".join(
            f"{k}：{_plain(v[0] if isinstance(v, list) and len(v) == 2 else '')} → "
            f"{_plain(v[1] if isinstance(v, list) and len(v) == 2 else v)}"
            for k, v in value.items()
        )


def _plain(value) -> str:
    if value in (None, ""):
        return "（空）"
    if isinstance(value, list):
        return "、".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}：{_plain(v)}" for k, v in value.items())
    return str(value)


def _short(value) -> str:
    text = "（空）" if value in (None, "") else str(value)
    return text if len(text) <= 60 else text[:57] + "…"
