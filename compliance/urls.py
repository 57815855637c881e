"""Top-level routes: admin, API (v1, schema, docs), dashboard and feeds."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(("compliance.api_router", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path(
        "api/redoc/",
        # Redoc styles itself with <style> elements it writes at run time, which no nonce
        # can cover: this page alone allows inline styles (scripts still need the nonce).
        csp_replace({"style-src": [SELF, UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema")
        ),
        name="api-redoc",
    ),
    path("alerts/", include("compliance.dashboard.alerts_urls")),
    path("", include("compliance.dashboard.urls")),
]

handler400 = "compliance.core.exceptions.api_aware_bad_request"
handler404 = "compliance.core.exceptions.api_aware_not_found"
handler500 = "compliance.core.exceptions.api_aware_server_error"
