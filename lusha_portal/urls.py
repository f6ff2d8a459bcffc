from django.contrib import admin
from django.urls import include, path

from lusha_portal import health, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("", include("accounts.urls")),
    path("prospecting/", include("prospecting.urls")),
    path("lists/", include("lists.urls")),
    path("spend/", include("spend.urls")),
    path("signals/", include("signals.urls")),
    path("privacy/", include("privacy.urls")),
    path("", include("abm.urls")),
    path("django-admin/", admin.site.urls),
]
