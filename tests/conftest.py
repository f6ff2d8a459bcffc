import copy

import pytest
import requests

from accounts.models import Role
from lusha_portal.redis_client import redis_connection
from tests.factories import UserFactory
from tests.oidc_server import running_oidc_provider
from tests.sandbox_server import running_sandbox


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real hashing costs ~0.3 s a user by design; the tests make hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with an empty Redis database (the tests' own: see .ci/run)."""
    redis_connection().flushdb()


# Personas: Alice runs the portal, Mona manages the team, Bob and Betty are BDRs.
@pytest.fixture
def alice(db):
    return UserFactory(username="alice", role=Role.ADMIN)


@pytest.fixture
def mona(db):
    return UserFactory(username="mona", role=Role.MANAGER)


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", role=Role.BDR)


@pytest.fixture
def betty(db):
    return UserFactory(username="betty", role=Role.BDR)


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


class SandboxControl:
    """The sandbox's control API: its own counters and the faults it injects."""

    def __init__(self, url: str):
        self.url = url

    def stats(self) -> dict:
        return requests.get(f"{self.url}/_sandbox/stats", timeout=10).json()

    def faults(self, **settings) -> None:
        requests.post(f"{self.url}/_sandbox/faults", json=settings, timeout=10).raise_for_status()

    def reset(self) -> None:
        requests.post(f"{self.url}/_sandbox/reset", timeout=10).raise_for_status()

    def new_day(self) -> None:
        """Every key's quotas start again, as at midnight UTC; the counters stay."""
        requests.post(f"{self.url}/_sandbox/new-day", timeout=10).raise_for_status()


@pytest.fixture(scope="session")
def sandbox_url():
    """One Lusha sandbox process, over real HTTP, for the whole test session."""
    with running_sandbox() as url:
        yield url


@pytest.fixture
def sandbox(sandbox_url, settings):
    """The portal in sandbox mode (no key set) against a sandbox with fresh counters."""
    control = SandboxControl(sandbox_url)
    control.reset()
    settings.LUSHA_SANDBOX_URL = sandbox_url
    yield control
    control.reset()


@pytest.fixture(scope="session")
def oidc_provider_process():
    """One real OpenID Connect provider (node, oidc-provider) for the whole test session."""
    with running_oidc_provider() as provider:
        yield provider


# The groups of the tests' provider and the roles they map to.
OIDC_ROLE_GROUPS = {"portal-admins": "admin", "sales-managers": "manager", "sales": "bdr"}


@pytest.fixture
def oidc(oidc_provider_process, settings):
    """The portal signing in through the tests' provider (with no test accounts yet), as
    .env.example describes: its groups mapped to roles, no default role."""
    provider = oidc_provider_process
    provider.accounts_file.write_text("{}")
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_CLIENT_ID = provider.client_id
    settings.OIDC_CLIENT_SECRET = provider.client_secret
    settings.OIDC_SCOPES = "openid email profile groups"
    settings.OIDC_ROLE_GROUPS = dict(OIDC_ROLE_GROUPS)
    settings.OIDC_ALLOWED_GROUPS = []
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = []
    settings.OIDC_DEFAULT_ROLE = ""
    settings.OIDC_BUTTON_LABEL = "Sign in with Example SSO"
    # What settings.py adds for OIDC_ISSUER: the sign-out form may redirect to the provider.
    policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["form-action"].append(provider.issuer)
    settings.CONTENT_SECURITY_POLICY = policy
    return provider
