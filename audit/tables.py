import json

import django_tables2 as tables
from django.utils.html import format_html, format_html_join

from audit.models import AuditEntry


class AuditEntryTable(tables.Table):
    id = tables.Column(linkify=("audit:detail", [tables.A("pk")]), verbose_name="序号")
    created_at = tables.DateTimeColumn(format="Y-m-d H:i:s", verbose_name="时间")
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
        return json.dumps(value, ensure_ascii=False) if value else ""


def _short(value) -> str:
    text = "（空）" if value in (None, "") else str(value)
    return text if len(text) <= 60 else text[:57] + "…"
