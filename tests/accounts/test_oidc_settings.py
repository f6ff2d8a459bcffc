"""The identity provider's settings are checked at start-up, each mistake with what to set."""

from django.conf import settings

from accounts.models import Role
from tests.test_settings import manage

OIDC = {
    "OIDC_ISSUER": "https://idp.example.com/realms/sales",
    "OIDC_CLIENT_ID": "lusha-portal",
    "OIDC_CLIENT_SECRET": "a-client-secret",
    "OIDC_ROLE_GROUPS": "sales-managers=manager,sales=bdr,team=admins=admin",
}


def test_the_roles_the_settings_know_are_the_portals():
    assert set(settings.ROLES_BY_RANK) == set(Role.values)


def test_a_complete_configuration_starts():
    result = manage(
        "shell", "-c", "from django.conf import settings as s; print(s.OIDC_ROLE_GROUPS)", **OIDC
    )

    assert result.returncode == 0, result.stderr
    # A group's name may hold "=": the role is after the last one.
    assert "'team=admins': 'admin'" in result.stdout
    assert "'sales-managers': 'manager'" in result.stdout


def test_an_issuer_without_its_client_stops_start_up():
    result = manage("check", **{**OIDC, "OIDC_CLIENT_SECRET": ""})

    assert result.returncode != 0
    assert "missing: OIDC_CLIENT_SECRET" in result.stderr


def test_an_issuer_that_lets_nobody_in_stops_start_up():
    result = manage("check", **{**OIDC, "OIDC_ROLE_GROUPS": ""})

    assert result.returncode != 0
    assert "nobody is allowed in" in result.stderr


def test_a_mapping_to_an_unknown_role_stops_start_up():
    result = manage("check", **{**OIDC, "OIDC_ROLE_GROUPS": "sales=seller"})

    assert result.returncode != 0
    assert "OIDC_ROLE_GROUPS entry 'sales=seller'" in result.stderr


def test_passwords_off_without_a_provider_stops_start_up():
    result = manage("check", PASSWORD_SIGN_IN="false", OIDC_ISSUER="")

    assert result.returncode != 0
    assert "PASSWORD_SIGN_IN=false needs OIDC_ISSUER" in result.stderr


def test_the_sign_out_form_may_redirect_to_the_issuer_only():
    code = (
        "from django.conf import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'])"
    )

    result = manage("shell", "-c", code, **OIDC)

    assert "'https://idp.example.com'" in result.stdout
