"""The portal's URLs plus two bench-only pages, mounted by bench/bench_page_cpu.py through a
ROOT_URLCONF override in its measuring process (never in the product): the floor, a bare
`@login_required` view (session, user, middleware: what every page pays before its own work),
and the layout, an empty page in base.html (the floor plus the context processors and the
navigation every page renders)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from lusha_portal.urls import urlpatterns as portal_urlpatterns


@login_required
def floor(request):
    return HttpResponse("floor")


@login_required
def layout(request):
    return render(request, "bench_layout.html")


urlpatterns = [
    path("bench/floor/", floor),
    path("bench/layout/", layout),
    *portal_urlpatterns,
]
