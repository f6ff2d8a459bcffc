from django.urls import path

from prospecting import views

app_name = "prospecting"

urlpatterns = [
    path("", views.search, name="search"),
    path("lists/", views.lists, name="lists"),
]
