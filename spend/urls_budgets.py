"""Budget pages (spend/budgets.py holds the rules); included by spend/urls.py."""

from django.urls import path

from spend import views_budgets

urlpatterns = [
    path("budgets/", views_budgets.budgets, name="budgets"),
    path("budgets/set/", views_budgets.budget_update, name="budget_update"),
]
