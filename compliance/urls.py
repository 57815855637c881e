"""Top-level routes: admin, API (v1, schema, docs), dashboard and feeds."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("jurisdictions.urls")),
]
