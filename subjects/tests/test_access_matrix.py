"""Who reaches a subject of 示范市第一中学: the same set as a 工作报告 of the school; a draft is changed only by
the unit's preparer (core.testing.check_reach: list, detail, edit, export and the API)."""

import pytest

from core.testing import PERSONAS, SEES_SCHOOL, SURFACES, Reach, check_reach
from subjects.tests.helpers import make_subject

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", PERSONAS)
def test_every_role_on_a_school_subject(username):
    check_reach(
        make_subject(name="矩阵测试项目"),
        SURFACES["subjects.subject"],
        Reach(view=SEES_SCHOOL, change={"edu_preparer"}),
        personas=[username],
    )
