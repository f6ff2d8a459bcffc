"""Budget pages (spend/budgets.py holds the rules); included by spend/urls.py."""

urlpatterns: list = []
