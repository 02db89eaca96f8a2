"""The persona matrix of 国库支付明细 on a demo payment of 示范市第一中学 (core.testing.check_reach): the list page
(filtered to its voucher), the Excel export and the read-only API answer the school's reach only."""

import pytest

from core.testing import PERSONAS, SCHOOL, SEES_SCHOOL, SURFACES, Reach, check_reach
from execution.models import Payment

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("username", PERSONAS)
def test_every_role_on_a_school_payment(username):
    payment = Payment.objects.filter(organisation__name=SCHOOL).order_by("voucher_number").first()
    check_reach(payment, SURFACES["execution.payment"], Reach(view=SEES_SCHOOL), personas=[username])
