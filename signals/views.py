"""The signals feed. The page itself arrives with the signals issue."""

from django.shortcuts import render

from accounts.permissions import EVERYONE, role_required


@role_required(*EVERYONE)
def feed(request):
    return render(
        request,
        "coming_soon.html",
        {
            "section": "Signals",
            "what": "Job changes, promotions, hiring surges and news for the contacts and "
            "companies on your lists.",
        },
    )
