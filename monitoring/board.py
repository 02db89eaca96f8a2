"""The status board of a round (seed 003 第二十条（三）: 绩效监控报告……逐层向上汇集，按照预算管理级次逐级汇总):
who has submitted, who is late, the lights, rolled up region → department → unit → subject, over the tables the
user may read (the gate decides)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from core import access, clock
from monitoring import lights
from monitoring.choices import Light
from monitoring.models import MonitoringRound, MonitoringTable
from workflow.models import EDITABLE_STATUSES, ReviewStatus

LEVELS = ["region", "department", "unit"]
LEVEL_LABELS = {"region": "行政区划", "department": "主管部门", "unit": "实施单位", "subject": "项目"}


def visible_rounds(user):
    """Rounds the user reaches: through the gate (finance, audit office), or through a table of theirs."""
    own = access.restrict(MonitoringRound.objects.all(), user)
    tables = access.restrict(MonitoringTable.objects.all(), user)
    return MonitoringRound.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=tables.values("round_id")))


@dataclass
class Node:
    level: str
    key: object
    name: str
    tables: int = 0
    submitted: int = 0
    approved: int = 0
    late: int = 0
    available: Decimal = Decimal("0")
    paid: Decimal = Decimal("0")
    execution: dict = field(default_factory=dict)  # light → count
    target: dict = field(default_factory=dict)
    children: list = field(default_factory=list)
    table_id: int | None = None
    status: str = ""
    execution_light: str = ""
    target_light: str = ""

    @property
    def label(self) -> str:
        return LEVEL_LABELS[self.level]

    @property
    def execution_rate(self):
        return lights.execution_rate(self.paid, self.available)

    @property
    def not_submitted(self) -> int:
        return self.tables - self.submitted

    def add(self, row) -> None:
        self.tables += 1
        self.submitted += row["submitted"]
        self.approved += row["status"] == ReviewStatus.APPROVED
        self.late += row["late"]
        self.available += row["available"] or 0
        self.paid += row["paid"] or 0
        self.execution[row["execution_light"]] = self.execution.get(row["execution_light"], 0) + 1
        self.target[row["target_light"]] = self.target.get(row["target_light"], 0) + 1

    def counts(self, which: str) -> list[tuple[str, str, int]]:
        data = self.execution if which == "execution" else self.target
        return [
            (light, Light(light).label, data[light])
            for light in (Light.RED, Light.YELLOW, Light.GREEN, Light.BLUE, Light.NONE)
            if data.get(light)
        ]


def _rows(monitoring_round, user):
    tables = access.restrict(MonitoringTable.objects.filter(round=monitoring_round), user)
    today = clock.today()
    due = monitoring_round.due_date
    for t in tables.values(
        "pk",
        "status",
        "submitted_at",
        "available",
        "paid",
        "execution_light",
        "target_light",
        "subject_id",
        "subject__name",
        "subject__organisation_id",
        "subject__organisation__name",
        "subject__department_id",
        "subject__department__name",
        "subject__organisation__region_id",
        "subject__organisation__region__name",
        "subject__organisation__region__path",
    ).order_by(
        "subject__organisation__region__path",
        "subject__department__path",
        "subject__organisation__path",
        "subject__code",
    ):
        submitted_at = t["submitted_at"]
        t["submitted"] = submitted_at is not None or t["status"] not in EDITABLE_STATUSES
        t["late"] = (
            (timezone.localdate(submitted_at) > due)
            if submitted_at
            else (t["status"] in EDITABLE_STATUSES and today > due)
        )
        yield t


def rollup(monitoring_round, user) -> Node:
    """The tree: the round at the top, then regions, departments, units and subjects, each with its counts."""
    root = Node("region", None, monitoring_round.name)
    index: dict = {}
    for row in _rows(monitoring_round, user):
        root.add(row)
        parent = root
        keys = [
            ("region", row["subject__organisation__region_id"], row["subject__organisation__region__name"]),
            ("department", row["subject__department_id"], row["subject__department__name"] or "（无主管部门）"),
            ("unit", row["subject__organisation_id"], row["subject__organisation__name"]),
        ]
        path = ()
        for level, key, name in keys:
            path = (*path, key)
            node = index.get(path)
            if node is None:
                node = index[path] = Node(level, key, name or "—")
                parent.children.append(node)
            node.add(row)
            parent = node
        leaf = Node(
            "subject",
            row["subject_id"],
            row["subject__name"],
            table_id=row["pk"],
            status=row["status"],
            execution_light=row["execution_light"],
            target_light=row["target_light"],
        )
        leaf.add(row)
        parent.children.append(leaf)
    return root


def flatten(node: Node, depth: int = 0) -> list[tuple[int, Node]]:
    """The tree as (depth, node) rows for a template, root excluded."""
    result = []
    for child in node.children:
        result.append((depth, child))
        result.extend(flatten(child, depth + 1))
    return result
