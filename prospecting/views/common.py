"""What the prospecting views share."""

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from prospecting.models import Kind


def kind_from(data) -> str:
    return data.get("kind") if data.get("kind") in Kind.values else Kind.CONTACTS


def fallback_for(kind: str) -> str:
    return "prospecting:companies" if kind == Kind.COMPANIES else "prospecting:search"


def back(request, fallback: str):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(fallback)
