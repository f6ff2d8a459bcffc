"""Account-based selling URLs (the `abm` namespace, mounted at the root): a list's signal scores
next to the list's other pages, and website visitors."""

from django.urls import path

from abm.views import signal_scores, website_visits

app_name = "abm"

urlpatterns = [
    path("lists/<int:list_id>/signal-scores/", signal_scores.scores, name="signal_scores"),
    path(
        "lists/<int:list_id>/signal-scores/score/",
        signal_scores.score_start,
        name="signal_scores_start",
    ),
    path("visitors/", website_visits.visitors, name="visitors"),
    path("visitors/add/", website_visits.visitors_add, name="visitors_add"),
    path("visitors/sites/", website_visits.visitors_domains, name="visitors_domains"),
]
