import pytest

from accounts.models import Role
from lusha_portal.redis_client import redis_connection
from tests.factories import UserFactory


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
