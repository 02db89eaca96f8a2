"""三员分立: the three administrators are separate accounts with separate powers (issue 2 §2)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts import actions
from accounts.models import RoleAssignment
from accounts.roles import Role
from organisations.models import Organisation

pytestmark = pytest.mark.django_db


def bureau():
    return Organisation.objects.get(name="示范市财政局")


def test_no_account_holds_two_administrator_roles(persona):
    with pytest.raises(ValidationError, match="三员分立"):
        actions.grant_role(persona("secadmin"), persona("sysadmin"), Role.AUDIT_ADMIN, bureau())


def test_an_administrator_holds_no_business_role(persona):
    with pytest.raises(ValidationError, match="三员分立"):
        actions.grant_role(persona("secadmin"), persona("auditadmin"), Role.BUREAU_LEADER, bureau())


def test_system_admin_cannot_grant_roles(persona):
    with pytest.raises(PermissionDenied):
        actions.grant_role(persona("sysadmin"), persona("perf"), Role.BUREAU_LEADER, bureau())


def test_security_admin_grants_and_revokes_with_audit(persona, client_as):
    user = persona("perf")
    client = client_as("secadmin")
    response = client.post(
        f"/accounts/users/{user.pk}/roles/", {"role": Role.BUREAU_LEADER, "organisation": bureau().pk, "reason": "兼任"}
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user=user, role=Role.BUREAU_LEADER)
    client.post(f"/accounts/users/{user.pk}/roles/{assignment.pk}/revoke/", {"reason": "不再兼任"})
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()
    from audit.models import AuditAction, AuditEntry

    assert AuditEntry.objects.filter(action=AuditAction.GRANT, object_id=str(user.pk)).exists()
    assert AuditEntry.objects.filter(action=AuditAction.REVOKE, reason="不再兼任").exists()


def test_role_must_fit_the_organisation(persona):
    school = Organisation.objects.get(name="示范市第一中学")
    with pytest.raises(ValidationError):
        actions.grant_role(persona("secadmin"), persona("perf"), Role.DEPT_REVIEWER, school)


def test_pages_of_each_administrator(client_as):
    sysadmin, secadmin, auditadmin = client_as("sysadmin"), client_as("secadmin"), client_as("auditadmin")
    assert sysadmin.get("/accounts/users/").status_code == 200
    assert sysadmin.get("/accounts/policy/").status_code == 404
    assert sysadmin.get("/audit/").status_code == 404
    assert secadmin.get("/accounts/policy/").status_code == 200
    assert secadmin.get("/accounts/users/new/").status_code == 404
    assert secadmin.get("/audit/").status_code == 404
    assert auditadmin.get("/audit/").status_code == 200
    assert auditadmin.get("/accounts/users/").status_code == 404
    assert auditadmin.get("/accounts/policy/").status_code == 404


def test_create_admins_bootstraps_three_separate_accounts(capsys):
    from django.core.management import call_command

    call_command("create_admins", bureau="示范市中区财政局", prefix="zq_")
    out = capsys.readouterr().out
    for username, role in [
        ("zq_sysadmin", Role.SYSTEM_ADMIN),
        ("zq_secadmin", Role.SECURITY_ADMIN),
        ("zq_auditadmin", Role.AUDIT_ADMIN),
    ]:
        assert username in out
        user = RoleAssignment.objects.get(user__username=username).user
        assert user.role_names() == {role}
        assert user.must_change_password


def test_security_admin_resets_an_administrators_second_factor(persona, client_as):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    target = persona("auditadmin")
    old_key = TOTPDevice.objects.get(user=target).key
    assert (
        client_as("sysadmin").post(f"/accounts/users/{target.pk}/reset-otp/", {"reason": "手机丢失"}).status_code == 404
    )
    response = client_as("secadmin").post(f"/accounts/users/{target.pk}/reset-otp/", {"reason": "手机丢失"})
    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=target).key != old_key


def test_system_admin_cannot_disable_the_other_administrators(persona):
    with pytest.raises(ValidationError, match="三员分立"):
        actions.set_active(persona("sysadmin"), persona("auditadmin"), False, "试图停用")
    assert persona("auditadmin").is_active
