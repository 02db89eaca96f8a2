"""Business permissions live in one place (issue 11 §2): the capabilities of each role in accounts.roles, read by
navigation, views, the API and actions alike; "the top bureau's …" answered by one helper."""

import pytest

from accounts.roles import ROLE_SPECS, Capability, Role, roles_with
from assessments.actions import can_edit_templates
from core import access
from execution.permissions import can_match, can_upload
from monitoring import thresholds
from monitoring.actions import can_configure_rules, can_open_round
from workflow.config import can_configure

pytestmark = pytest.mark.django_db


def test_every_capability_is_held_by_some_role_and_no_admin_holds_a_business_one():
    admin = {
        Capability.MANAGE_ACCOUNTS,
        Capability.MANAGE_CONFIG,
        Capability.MANAGE_ROLES,
        Capability.MANAGE_SECURITY,
        Capability.UNLOCK_ACCOUNTS,
        Capability.READ_AUDIT,
        Capability.EXPORT_AUDIT,
    }
    for capability in Capability.values:
        assert roles_with(capability), capability
    for role in (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN):
        assert ROLE_SPECS[role].capabilities <= admin  # 三员分立: no business capability


@pytest.mark.parametrize(
    "username, upload, match, open_round",
    [
        ("treasury", True, True, False),
        ("budget", True, False, False),
        ("perf", False, True, True),
        ("desk_edu", False, False, False),
        ("edu_preparer", False, False, False),
        ("auditor", False, False, False),
    ],
)
def test_checks_read_the_role_table(persona, username, upload, match, open_round):
    user = persona(username)
    assert (can_upload(user), can_match(user), can_open_round(user)) == (upload, match, open_round)


def test_the_top_bureau_sets_what_applies_everywhere_a_county_does_not(persona):
    perf, county = persona("perf"), persona("county_perf")
    for check in (can_edit_templates, can_configure_rules, thresholds.can_manage_default):
        assert check(perf) and not check(county), check.__name__
    assert access.holds_at_top(persona("sysadmin"), Capability.MANAGE_CONFIG) and can_configure(
        persona("sysadmin"), None
    )
    assert not access.holds_at_top(persona("treasury"), Capability.SET_LIGHT_THRESHOLDS)  # not the treasury's


def test_the_navigation_offers_the_summary_and_matching_by_capability(client_as):
    assert "/targets/summary/" in client_as("desk_edu").get("/stage/targets/").content.decode()
    assert "/targets/summary/" not in client_as("edu_preparer").get("/stage/targets/").content.decode()
    assert "/execution/unmatched/" in client_as("treasury").get("/stage/monitoring/").content.decode()
    assert "/execution/unmatched/" not in client_as("budget").get("/stage/monitoring/").content.decode()
