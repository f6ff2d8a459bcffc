"""Prospecting and lead lists. The pages themselves arrive with the prospecting issue."""

from django.shortcuts import render

from accounts.permissions import EVERYONE, role_required


@role_required(*EVERYONE)
def search(request):
    return render(
        request,
        "coming_soon.html",
        {
            "section": "Prospecting",
            "what": "Build filters from Lusha's catalogs, search contacts and companies, "
            "and add results to lead lists.",
        },
    )


@role_required(*EVERYONE)
def lists(request):
    return render(
        request,
        "coming_soon.html",
        {
            "section": "Lists",
            "what": "Your lead lists and the team's: enrich them in the background and "
            "export them to CSV.",
        },
    )
