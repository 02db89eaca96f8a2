"""The state changes of target sheets. Pages, API, the upload and the demo call these; each is one transaction
with its audit rows. Submission, review, return and approval are workflow.actions (chain of migration 0002);
The workflow hook ``sheets.before_transition`` runs the automatic review before a submission.

One module per seam; every public name is re-exported here, so callers keep writing
``from targets import actions`` / ``actions.create_sheet(...)``:

- ``sheets``: create, save and adjust a sheet (``create_sheet``, ``save_sheet``, ``adjust``), who may create it,
  and its deadlines (``due_date``, ``correction_due``, ``is_overdue``);
- ``common_indicators``: 部门整体共性指标 (``save_common_set``, ``common_set_for``, ``required_items``);
- ``regional``: 转移支付区域分解 (``save_regional``, ``regional_grid``, ``regional_visible``);
- ``comments``: 指标审核意见, and the return opinion that lists the open ones (a workflow hook);
- ``rules``: 智能审核规则的设置与版本 (``set_rule``);
- ``queries``: read-only — version comparison (``compare``), 绩效目标汇总 (``summary``), lookups.

The modules call each other directly (``sheets.create_sheet`` uses ``common_indicators.common_items_for``): to
replace a function in a test, patch it on the module that defines it as well as here.
"""

from targets.actions.comments import (
    add_comment,
    can_comment,
    can_resolve,
    comments_by_indicator,
    lineage_comments,
    resolve_comment,
    return_opinion,
)
from targets.actions.common_indicators import (
    DEFAULT_LEVELS,
    LIBRARY_LEVELS,
    common_items_for,
    common_organisation,
    common_set_for,
    library_levels,
    required_items,
    save_common_set,
)
from targets.actions.queries import (
    COMPARED,
    SHEET_COMPARED,
    can_view_summary,
    compare,
    level2_choices_for,
    summary,
)
from targets.actions.regional import (
    can_edit_regional,
    regional_grid,
    regional_visible,
    regions_below,
    save_regional,
)
from targets.actions.rules import can_configure_rules, set_rule
from targets.actions.sheets import (
    BUDGET_ITEM_FIELDS,
    CORRECTION_DAYS,
    DUE_DAYS,
    FUNDED_STAGES,
    INDICATOR_FIELDS,
    OPEN_STAGES,
    STAGE_FIELDS,
    adjust,
    can_adjust,
    can_create,
    correction_due,
    create_sheet,
    due_date,
    funded_at,
    is_overdue,
    save_sheet,
)

__all__ = [
    "BUDGET_ITEM_FIELDS",
    "COMPARED",
    "CORRECTION_DAYS",
    "DEFAULT_LEVELS",
    "DUE_DAYS",
    "FUNDED_STAGES",
    "INDICATOR_FIELDS",
    "LIBRARY_LEVELS",
    "OPEN_STAGES",
    "SHEET_COMPARED",
    "STAGE_FIELDS",
    "add_comment",
    "adjust",
    "can_adjust",
    "can_comment",
    "can_configure_rules",
    "can_create",
    "can_edit_regional",
    "can_resolve",
    "can_view_summary",
    "comments_by_indicator",
    "common_items_for",
    "common_organisation",
    "common_set_for",
    "compare",
    "correction_due",
    "create_sheet",
    "due_date",
    "funded_at",
    "is_overdue",
    "level2_choices_for",
    "library_levels",
    "lineage_comments",
    "regional_grid",
    "regional_visible",
    "regions_below",
    "required_items",
    "resolve_comment",
    "return_opinion",
    "save_common_set",
    "save_regional",
    "save_sheet",
    "set_rule",
    "summary",
]
