"""Who may see a view. Checked in every view, because anyone can request a partial directly."""

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import resolve_url
from django_htmx.http import HttpResponseClientRedirect

from accounts.models import Role

EVERYONE = (Role.BDR, Role.MANAGER, Role.ADMIN)
MANAGERS = (Role.MANAGER, Role.ADMIN)
ADMINS = (Role.ADMIN,)


def role_required(*roles: str):
    """Let signed-in users with one of `roles` in; send others to sign in, or refuse with 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                if request.htmx:
                    # A partial cannot show the login page: make htmx load it as a full page.
                    login_url = resolve_url(settings.LOGIN_URL)
                    return HttpResponseClientRedirect(f"{login_url}?next={request.path}")
                return redirect_to_login(request.get_full_path())
            if request.user.role not in roles:
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator
