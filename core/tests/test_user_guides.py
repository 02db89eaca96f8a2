"""The user guides point at what exists (issue 12 §8): every image and every guide they link is in the repository,
and every screenshot the guides' image script copies is shown in some guide."""

import re
import runpy
from pathlib import Path

GUIDES = Path(__file__).resolve().parents[2] / "docs" / "user-guide"
LINK = re.compile(r"!?\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _links() -> list[tuple[str, str]]:
    return [(guide.name, target) for guide in sorted(GUIDES.glob("*.md")) for target in LINK.findall(guide.read_text())]


def test_every_image_and_guide_linked_exists():
    local = [(guide, target) for guide, target in _links() if not re.match(r"[a-z]+:", target)]
    assert local, "the guides link nothing"
    missing = [(guide, target) for guide, target in local if not (GUIDES / target).resolve().exists()]
    assert not missing, missing


def test_every_copied_screenshot_is_shown_and_every_shown_one_is_copied():
    images = runpy.run_path(str(GUIDES.parents[1] / "scripts" / "guide_images.py"), run_name="guide_images")["IMAGES"]
    shown = {Path(target).name for _, target in _links() if target.startswith("img/")}
    assert shown == set(images), {"not shown": set(images) - shown, "not copied": shown - set(images)}
    assert {p.name for p in (GUIDES / "img").glob("*.png")} == set(images)
