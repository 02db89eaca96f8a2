"""Template filters shared by every page (core/templatetags/jixiao.py)."""


def test_list_changes_show_only_the_rows_that_differ():
    """A table change (e.g. a sheet's indicators) shows removed rows before and added rows after."""
    from core.templatetags.jixiao import change_pair

    value = [["甲 ≥1", "乙 ≥2"], ["甲 ≥1", "乙 ≥3", "丙 ≥4"]]
    assert change_pair(value, 0) == "乙 ≥2"
    assert change_pair(value, 1) == "乙 ≥3；丙 ≥4"
    assert change_pair([[], ["甲"]], 0) == "（无）"
    assert change_pair(["", "新值"], 0) == "（空）"
