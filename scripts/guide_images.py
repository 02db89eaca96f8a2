"""Copy the screenshots the browser tests save into the user guides' images (docs/user-guide/img/), so the guides
show what the tests saw: `make guide-images` after `make test` (issue 12 §8).

Each guide image names the browser test's screenshot it comes from (a glob under
var/test-artifacts/screenshots/<database>/, the walk's ``<account>-<nn>-<page>.png`` or a test's own name). A tall
page is cut to its first ``HEIGHT`` pixels and the width scaled to ``WIDTH``, so that the images stay small in the
repository. A missing screenshot is named, and the script fails: run the browser tests first."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "var" / "test-artifacts" / "screenshots"
TARGET = ROOT / "docs" / "user-guide" / "img"
WIDTH = 1000
HEIGHT = 900  # of the scaled image

# guide image → (screenshot glob, the test that saves it)
IMAGES = {
    # unit.md
    "unit-home.png": ("edu_preparer-00-home.png", "tests/browser/test_walk.py"),
    "unit-subject-form.png": ("library-01-preparer-form.png", "tests/browser/test_library.py"),
    "unit-target-finding.png": ("targets-01-draft-with-finding.png", "tests/browser/test_targets.py"),
    "unit-target-grid.png": ("targets-05-rows-added.png", "tests/browser/test_targets.py"),
    "unit-recommendation.png": ("targets-06-recommendation-in-place.png", "tests/browser/test_targets.py"),
    "unit-target-word.png": ("target-sheet-word-1.png", "tests/browser/test_form_render.py"),
    "unit-target-excel.png": ("target-sheet-excel-1.png", "tests/browser/test_form_render.py"),
    "unit-self-evaluation-live-score.png": (
        "self-evaluation-03-live-score.png",
        "tests/browser/test_self_evaluation.py",
    ),
    # department.md
    "department-assessment-scoring.png": ("library-04-reviewer-scoring.png", "tests/browser/test_library.py"),
    "department-todo.png": ("edu_reviewer-*-todo.png", "tests/browser/test_walk.py"),
    # finance.md
    "finance-admission-refused.png": ("library-03-desk-admission-refused.png", "tests/browser/test_library.py"),
    "finance-recheck-live.png": ("recheck-01-live-row-score.png", "tests/browser/test_recheck.py"),
    "finance-budget-refused.png": ("library-07-budget-refused-without-targets.png", "tests/browser/test_library.py"),
    "finance-budget-funded.png": ("library-08-budget-funded.png", "tests/browser/test_library.py"),
    "finance-third-party-reviews.png": ("perf-third-party-reviews.png", "tests/browser/test_third_party_review.py"),
    "finance-leader-cockpit.png": ("leader-00-home.png", "tests/browser/test_walk.py"),
    "finance-targets-approved.png": ("targets-04-approved.png", "tests/browser/test_targets.py"),
    "finance-self-evaluation-round.png": ("self-evaluation-02-round.png", "tests/browser/test_self_evaluation.py"),
    # monitoring-dashboard.md, execution-data.md
    "monitoring-dashboard.png": ("perf-*-monitoring-dashboard.png", "tests/browser/test_walk.py"),
    "treasury-payments.png": ("treasury-*-execution-payments.png", "tests/browser/test_walk.py"),
    # agency-expert-provider.md
    "expert-todo.png": ("expert-01-todo.png", "tests/browser/test_third_party_review.py"),
    "expert-answer.png": ("expert-02-answer.png", "tests/browser/test_third_party_review.py"),
    # audit-office.md, admins.md
    "auditor-home.png": ("auditor-00-home.png", "tests/browser/test_walk.py"),
    "admin-users.png": ("sysadmin-*-users.png", "tests/browser/test_walk.py"),
}


def source_of(pattern: str) -> Path | None:
    for database in ("sqlite", "postgresql"):
        found = sorted((SOURCE / database).glob(pattern))
        if found:
            return found[0]
    return None


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    missing = []
    for name, (pattern, test) in IMAGES.items():
        path = source_of(pattern)
        if path is None:
            missing.append(f"{name}: 没有找到截图 {pattern}（由 {test} 生成，请先运行浏览器测试）")
            continue
        with Image.open(path) as image:
            image = image.convert("RGB")
            if image.width > WIDTH:
                image = image.resize((WIDTH, round(image.height * WIDTH / image.width)), Image.LANCZOS)
            if image.height > HEIGHT:
                image = image.crop((0, 0, image.width, HEIGHT))
            image.quantize(colors=256).save(TARGET / name, optimize=True)
        print(f"{name} ← {path.relative_to(ROOT)}")
    for line in missing:
        print(line, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
