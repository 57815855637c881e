"""Dashboard routes: the national ranking, each jurisdiction's dashboard and the Atom feeds."""

from django.urls import path

from . import views
from .feeds import ActionsFeed, StatementsFeed

app_name = "dashboard"

urlpatterns = [
    path("", views.national_index, name="index"),
    path("jurisdictions/<slug:slug>/", views.jurisdiction_detail, name="detail"),
    path("method/", views.method, name="method"),
    path("feeds/statements/", StatementsFeed(), name="feed-statements"),
    path("feeds/actions/", ActionsFeed(), name="feed-actions"),
    path(
        "jurisdictions/<slug:slug>/feeds/statements/",
        StatementsFeed(),
        name="jurisdiction-feed-statements",
    ),
    path(
        "jurisdictions/<slug:slug>/feeds/actions/",
        ActionsFeed(),
        name="jurisdiction-feed-actions",
    ),
]
