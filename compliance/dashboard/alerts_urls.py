"""Alerts routes (``/alerts/``)."""

from django.urls import path

from . import alerts

app_name = "alerts"

urlpatterns = [
    path("", alerts.alerts_index, name="index"),
    path("<int:pk>/test/", alerts.alerts_test, name="test"),
    path("<int:pk>/webhook-on/", alerts.alerts_webhook_enable, name="webhook-on"),
    path("<int:pk>/rotate-secrets/", alerts.alerts_rotate, name="rotate"),
    path("<int:pk>/delete/", alerts.alerts_delete, name="delete"),
    path("unsubscribe/<str:token>/", alerts.alerts_unsubscribe, name="unsubscribe"),
    path("feeds/<str:token>/", alerts.SubscriptionFeed(), name="feed"),
]
