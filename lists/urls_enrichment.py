from django.urls import path

from lists.views import enrichment

urlpatterns = [
    path("<int:list_id>/enrich/", enrichment.enrich, name="enrich"),
    path("jobs/<int:job_id>/", enrichment.job, name="job"),
    path("jobs/<int:job_id>/progress/", enrichment.job_progress, name="job_progress"),
    path("jobs/<int:job_id>/pause/", enrichment.job_pause, name="job_pause"),
    path("jobs/<int:job_id>/resume/", enrichment.job_resume, name="job_resume"),
    path("jobs/<int:job_id>/cancel/", enrichment.job_cancel, name="job_cancel"),
]
