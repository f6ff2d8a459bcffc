from django.urls import path

from spend import views
from spend.urls_budgets import urlpatterns as budget_urlpatterns

app_name = "spend"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("lusha-usage/refresh/", views.usage_refresh, name="usage_refresh"),
    path("ledger/", views.ledger, name="ledger"),
    path("ledger.csv", views.ledger_csv, name="ledger_csv"),
    path("mine/", views.mine, name="mine"),
    *budget_urlpatterns,
]
