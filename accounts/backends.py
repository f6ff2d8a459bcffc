"""The password gate: with PASSWORD_SIGN_IN off, only the break-glass admin signs in with a
password, on the login page and the Django admin alike; everyone else uses the identity
provider's button (accounts/oidc.py)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied


def password_sign_in_allowed(username: str | None) -> bool:
    """True when `username` may sign in with a password."""
    if settings.PASSWORD_SIGN_IN:
        return True
    break_glass = settings.PASSWORD_SIGN_IN_BREAK_GLASS_USERNAME
    return bool(break_glass) and username == break_glass


class PasswordSignInGate(ModelBackend):
    """First of AUTHENTICATION_BACKENDS. It never signs anyone in itself: it lets the password
    check go on to Django's ModelBackend, or stops it (PermissionDenied ends authenticate()).
    It is a ModelBackend for the sessions and permissions of the users it lets through."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if not password_sign_in_allowed(username):
            # As long as a real check, so the time taken does not say which username is the
            # break-glass admin's.
            get_user_model()().set_password(password)
            raise PermissionDenied
        return None
