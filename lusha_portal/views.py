"""The portal's home page."""

from django.shortcuts import render

from accounts.permissions import EVERYONE, role_required


@role_required(*EVERYONE)
def home(request):
    return render(request, "home.html")
