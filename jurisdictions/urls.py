"""Dashboard routes."""

from django.urls import path

app_name = "jurisdictions"

urlpatterns: list = []
