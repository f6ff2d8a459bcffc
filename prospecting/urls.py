from django.urls import path

from prospecting import views

app_name = "prospecting"

urlpatterns = [
    path("", views.search, name="search"),
    path("companies/", views.companies, name="companies"),
    path("typeahead/", views.typeahead, name="typeahead"),
    path("columns/", views.columns, name="columns"),
    path("selection/", views.selection, name="selection"),
    path("lists/add/", views.add_to_list, name="add_to_list"),
    path("lists/add-all/", views.add_all_to_list, name="add_all_to_list"),
    path("lists/add-all/runs/<int:run_id>/", views.add_all_run_status, name="add_all_run_status"),
    path("reveal/<str:lusha_id>/<str:field>/", views.reveal, name="reveal"),
    path(
        "reveal/jobs/<int:job_id>/<str:lusha_id>/<str:field>/",
        views.reveal_status,
        name="reveal_status",
    ),
    path("saved/", views.save_search, name="save_search"),
    path("catalogs/refresh/", views.refresh_catalogs, name="refresh_catalogs"),
]
