"""State changes of monitoring rounds, monitoring tables, warnings and their disposal. Pages, the API, the
background task and the demo seeder all call these; each is one transaction with its audit row.

One module per seam; every public name is re-exported here, so callers keep writing
``from monitoring import actions`` / ``actions.open_round(...)``:

- ``rounds``: finance (预算绩效管理科) opens and closes a round (``open_round``, ``close_round``; seed 003
  第十七条 绩效监控布置, 第十九条（二） 财政部门重点监控; seed 001 第十八条), its scope (``scope_subjects``) and the
  set-based creation of its tables (``create_tables``, ``finish_pending_tables``; seed 004 三(六));
- ``tables``: the unit's edit of a table and its indicator rows with each row's light (``save_table``,
  ``row_light``), the checks before submission (``submission_problems``), the budget execution read from the
  figures (``execution_figures``, ``refresh_execution``) and lateness (``late_q``);
- ``rounds`` also serves a 主管部门's rounds over projects of its own units (seed 001 第十七条; ``own_subjects``,
  ``round_kind``, ``can_scan_round``; docs/decisions/0037);
- ``warnings``: the unit's note, finance's disposal or write-off (``reply``, ``dispose``, ``dismiss``; seed 000
  第二十一条; seed 001 第十八条);
- ``holds``: the disbursement holds (拨款控制) — made only by ``impose``, from a disposal or a 主管部门's ``hold`` over
  its own units (seed 000 第二十一条; docs/decisions/0035), applied by the treasury, lifted by who decided
  (``apply_hold``, ``lift_hold``, ``active_holds``);
- ``rules``: a warning rule's new version (``set_rule``) and who may save one.

The modules call each other directly (``rounds.create_tables`` uses ``tables.batch_execution_values``) and read
their own constants: to replace a function or a constant in a test, patch it on the module that defines it
(``monkeypatch.setattr(actions.rounds, "INLINE_TABLE_LIMIT", 1)``), not here.
"""

from monitoring.actions.holds import (
    DEPARTMENT_HOLD_ROLES,
    active_holds,
    apply_hold,
    can_apply,
    can_lift,
    hold,
    hold_subject_choices,
    lift_hold,
    may_hold,
)
from monitoring.actions.rounds import (
    BATCH,
    INLINE_TABLE_LIMIT,
    MONITORED_STAGES,
    NON_CUMULATIVE_LEVEL2,
    can_manage_round,
    can_open_round,
    can_scan_round,
    close_round,
    create_tables,
    finish_pending_tables,
    indicator_row,
    key_subject_choices,
    open_round,
    own_subjects,
    round_defaults,
    round_kind,
    round_organisation,
    scope_subjects,
)
from monitoring.actions.rules import can_configure_rules, set_rule
from monitoring.actions.tables import (
    ROW_FIELDS,
    TABLE_FIELDS,
    batch_execution_values,
    execution_figures,
    expected_to_date,
    late_q,
    months_of,
    refresh_execution,
    row_light,
    save_table,
    submission_problems,
)
from monitoring.actions.warnings import (
    AMOUNT_DECISIONS,
    DISPOSING_ROLES,
    HOLD_OF,
    UNIT_ROLES,
    can_dispose,
    can_reply,
    dismiss,
    dispose,
    reply,
)

__all__ = [
    "AMOUNT_DECISIONS",
    "BATCH",
    "DEPARTMENT_HOLD_ROLES",
    "DISPOSING_ROLES",
    "HOLD_OF",
    "INLINE_TABLE_LIMIT",
    "MONITORED_STAGES",
    "NON_CUMULATIVE_LEVEL2",
    "ROW_FIELDS",
    "TABLE_FIELDS",
    "UNIT_ROLES",
    "active_holds",
    "apply_hold",
    "batch_execution_values",
    "can_apply",
    "can_configure_rules",
    "can_dispose",
    "can_lift",
    "can_manage_round",
    "can_open_round",
    "can_reply",
    "can_scan_round",
    "close_round",
    "create_tables",
    "dismiss",
    "dispose",
    "execution_figures",
    "expected_to_date",
    "finish_pending_tables",
    "hold",
    "hold_subject_choices",
    "indicator_row",
    "key_subject_choices",
    "late_q",
    "lift_hold",
    "may_hold",
    "months_of",
    "open_round",
    "own_subjects",
    "refresh_execution",
    "reply",
    "round_defaults",
    "round_kind",
    "round_organisation",
    "row_light",
    "save_table",
    "scope_subjects",
    "set_rule",
    "submission_problems",
]
