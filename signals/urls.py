from django.urls import path

from signals import views, views_push

app_name = "signals"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("read/", views.mark_read, name="mark_read"),
    path("events/<int:event_id>/act/", views.event_act, name="event_act"),
    path("watches/", views.watches, name="watches"),
    path("watches/new/", views.watch_new, name="watch_new"),
    path("watches/<int:watch_id>/", views.watch, name="watch"),
    path("watches/<int:watch_id>/control/", views.watch_control, name="watch_control"),
    path("webhook/", views.lusha_webhook, name="webhook"),
    path("push/", views_push.push, name="push"),
    path("push/secret/", views_push.push_secret, name="push_secret"),
    path("push/subscriptions/", views_push.push_subscriptions, name="push_subscriptions"),
    path("watches/<int:watch_id>/push/", views_push.watch_push, name="watch_push"),
]
