"""Budget pages (spend/budgets.py holds the rules); included by spend/urls.py."""

from django.urls import path

from spend import views_budgets

urlpatterns = [
    path("budgets/", views_budgets.budgets, name="budgets"),
    path("budgets/set/", views_budgets.budget_update, name="budget_update"),
    path("budgets/requests/", views_budgets.budget_request, name="budget_request"),
    path(
        "budgets/requests/<int:request_id>/dismiss/",
        views_budgets.budget_request_dismissed,
        name="budget_request_dismiss",
    ),
]
