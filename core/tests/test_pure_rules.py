"""Pure rule modules stay pure (issue 11 §4): the lights and the target-sheet quality rules import no model, no
action and no database module, so they are data plus functions, tested with worked examples alone. A pure module
may import another one of the list (the evaluation scoring reads its scheme's numbers from ``evaluations/rules.py``)."""

import ast
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]
PURE = [
    "monitoring/lights.py",
    "targets/quality.py",
    "assessments/scoring.py",
    "evaluations/scoring.py",
    "evaluations/rules.py",
    "keyevals/aggregation.py",
]
ALLOWED = (
    "__future__",
    "calendar",
    "collections",
    "dataclasses",
    "datetime",
    "decimal",
    "re",
    "typing",
    "functools",
    "math",
    "enum",
)


@pytest.mark.parametrize("path", PURE)
def test_imports_nothing_that_reads_or_writes_data(path):
    tree = ast.parse((BASE / path).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    impure = sorted(
        m
        for m in imported
        if not (m.split(".")[0] in ALLOWED or m.endswith(".choices") or m.replace(".", "/") + ".py" in PURE)
    )
    assert impure == []
