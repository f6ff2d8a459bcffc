"""Account-based selling URLs (the `abm` namespace, mounted at the root): a list's signal scores,
lookalikes and buying groups next to the list's other pages, their results, and website
visitors."""

from django.urls import path

from abm.views import buying_groups, lookalikes, signal_scores, website_visits

app_name = "abm"

urlpatterns = [
    path("lists/<int:list_id>/signal-scores/", signal_scores.scores, name="signal_scores"),
    path(
        "lists/<int:list_id>/signal-scores/score/",
        signal_scores.score_start,
        name="signal_scores_start",
    ),
    path("lists/<int:list_id>/lookalikes/", lookalikes.lookalike_new, name="lookalike_new"),
    path(
        "lists/<int:list_id>/lookalikes/start/",
        lookalikes.lookalike_start,
        name="lookalike_start",
    ),
    path("lookalikes/", lookalikes.lookalike_searches, name="lookalikes"),
    path("lookalikes/<int:search_id>/", lookalikes.lookalike, name="lookalike"),
    path("lookalikes/<int:search_id>/more/", lookalikes.lookalike_more, name="lookalike_more"),
    path("lookalikes/<int:search_id>/add/", lookalikes.lookalike_add, name="lookalike_add"),
    path(
        "lists/<int:list_id>/buying-group/",
        buying_groups.buying_group_new,
        name="buying_group_new",
    ),
    path(
        "lists/<int:list_id>/buying-group/start/",
        buying_groups.buying_group_begin,
        name="buying_group_begin",
    ),
    path("buying-groups/new/", buying_groups.buying_group_selection, name="buying_group_selection"),
    path(
        "buying-groups/new/start/",
        buying_groups.buying_group_selection_begin,
        name="buying_group_selection_begin",
    ),
    path("buying-groups/<int:group_id>/", buying_groups.buying_group, name="buying_group"),
    path(
        "buying-groups/<int:group_id>/resume/",
        buying_groups.buying_group_resume_view,
        name="buying_group_resume",
    ),
    path(
        "buying-groups/<int:group_id>/add/",
        buying_groups.buying_group_add,
        name="buying_group_add",
    ),
    path("visitors/", website_visits.visitors, name="visitors"),
    path("visitors/add/", website_visits.visitors_add, name="visitors_add"),
    path("visitors/sites/", website_visits.visitors_domains, name="visitors_domains"),
]
