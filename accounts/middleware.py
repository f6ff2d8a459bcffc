"""Send every visitor to the first-run page until the portal has a user."""

from django.shortcuts import redirect
from django.urls import reverse

from accounts.services import first_run_is_pending

# Paths that work before the first admin exists (Lusha's webhook is for machines, not people).
_OPEN_PREFIXES = ("/healthz", "/static/", "/setup/", "/signals/webhook/")


class FirstRunMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A signed-in visitor proves a user exists, so only anonymous requests ask the database.
        if (
            not request.path.startswith(_OPEN_PREFIXES)
            and not request.user.is_authenticated
            and first_run_is_pending()
        ):
            return redirect(reverse("accounts:first_run"))
        return self.get_response(request)
