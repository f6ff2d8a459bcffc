"""The lists pages and CSV export (the `lists` namespace, mounted at /lists/)."""

from django.urls import path

from lists.views import exports, pages

urlpatterns = [
    path("", pages.index, name="index"),
    path("<int:list_id>/", pages.detail, name="detail"),
    path("<int:list_id>/rename/", pages.rename, name="rename"),
    path("<int:list_id>/share/", pages.share, name="share"),
    path("<int:list_id>/delete/", pages.delete, name="delete"),
    path("<int:list_id>/members/", pages.members, name="members"),
    path("<int:list_id>/export/", exports.export, name="export"),
]
