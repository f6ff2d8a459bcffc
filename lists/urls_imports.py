from django.urls import path

from lists.views import imports

urlpatterns = [
    path("import/", imports.start, name="import_start"),
    path("import/<int:import_id>/", imports.detail, name="import_detail"),
    path("import/<int:import_id>/map/", imports.mapping, name="import_map"),
    path("import/<int:import_id>/resume/", imports.resume, name="import_resume"),
    path("import/<int:import_id>/report.csv", imports.report, name="import_report"),
]
