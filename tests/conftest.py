import pytest
import requests

from accounts.models import Role
from lusha_portal.redis_client import redis_connection
from tests.factories import UserFactory
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
