from spend.urls_budgets import urlpatterns as budget_urlpatterns

app_name = "spend"

urlpatterns = [
    *budget_urlpatterns,
]
