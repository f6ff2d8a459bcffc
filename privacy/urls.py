from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("suppressions/", views.suppressions, name="suppressions"),
    path("suppressions/import/", views.suppressions_upload, name="suppressions_import"),
    path("erase/", views.erase, name="erase"),
    path("audit/", views.audit, name="audit"),
    path("audit.csv", views.audit_csv, name="audit_csv"),
]
