"""Monitoring's searchable pickers (core/pickers.py): a round's 重点监控项目, chosen from the subjects the user may name
(``monitoring.actions.key_subject_choices``), never from a list box of every funded subject of a province."""

from core import pickers
from monitoring.actions import hold_subject_choices, key_subject_choices

pickers.register(
    pickers.PickerKind(
        "key_subject",
        "项目",
        key_subject_choices,
        pickers.code_or_name,
        lambda s: f"{s.code} {s.name}（{s.organisation.name}）",
    )
)
# The subjects a 主管部门 may hold (seed 000 第二十一条): its own units' funded or executing subjects.
pickers.register(
    pickers.PickerKind(
        "hold_subject",
        "项目",
        hold_subject_choices,
        pickers.code_or_name,
        lambda s: f"{s.code} {s.name}（{s.organisation.name}）",
    )
)
