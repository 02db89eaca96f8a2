"""The persona matrix of target sheets (core.testing.check_reach): list, detail, edit, the Excel and Word downloads and
the version comparison, the list's export and the API, on a fresh draft and on the demo city's approved sheet."""

import pytest

from core.testing import PERSONAS, SEES_SCHOOL, SURFACES, Reach, check_reach
from targets.models import TargetSheet
from targets.tests.helpers import good_sheet, library_subject

pytestmark = pytest.mark.django_db


# A draft sheet of 示范市第一中学: the school's reach (core.testing.SEES_SCHOOL) reads it, its Excel and Word and the
# version comparison; only the unit's preparer edits it. An approved sheet (the demo city's) is edited by nobody.
@pytest.mark.parametrize("username", PERSONAS)
def test_every_role_on_a_school_sheet(username):
    sheet = good_sheet(library_subject("矩阵测试目标项目"))
    reach = Reach(view=SEES_SCHOOL, change={"edu_preparer"})
    check_reach(sheet, SURFACES["targets.targetsheet"], reach, personas=[username])


@pytest.mark.parametrize("username", PERSONAS)
def test_every_role_on_an_approved_demo_sheet(username):
    sheet = TargetSheet.objects.get(subject__name="第一中学校园安保服务", status="approved")
    check_reach(sheet, SURFACES["targets.targetsheet"], Reach(view=SEES_SCHOOL), personas=[username])
