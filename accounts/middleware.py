"""Send every visitor to the first-run page until the portal has a user."""

from django.shortcuts import redirect
from django.urls import reverse

from accounts.services import first_run_is_pending

# Paths that work before the first admin exists.
_OPEN_PREFIXES = ("/healthz", "/static/", "/setup/")


class FirstRunMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Once a user exists the first run never comes back, so stop asking the database.
        self.setup_done = False

    def __call__(self, request):
        if not self.setup_done:
            if first_run_is_pending():
                if not request.path.startswith(_OPEN_PREFIXES):
                    return redirect(reverse("accounts:first_run"))
            else:
                self.setup_done = True
        return self.get_response(request)
