"""Monitoring's searchable picker (core/pickers.py): a round's 重点监控项目, chosen from the subjects the user may name
(``monitoring.actions.key_subject_choices``), never from a list box of every funded subject of a province."""

from core import pickers
from monitoring.actions import key_subject_choices

pickers.register(
    pickers.PickerKind(
        "key_subject",
        "项目",
        key_subject_choices,
        pickers.code_or_name,
        lambda s: f"{s.code} {s.name}（{s.organisation.name}）",
    )
)
