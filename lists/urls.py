"""Lists URLs, one module per topic so the pages, enrichment, imports and exports grow apart."""

from django.urls import include, path

app_name = "lists"

urlpatterns = [
    path("", include("lists.urls_pages")),
    path("", include("lists.urls_enrichment")),
    path("", include("lists.urls_imports")),
]
