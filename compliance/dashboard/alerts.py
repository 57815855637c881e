"""The alerts pages: a signed-in user's subscriptions (create, test, turn a webhook back on,
delete, read the delivery log), each subscription's secret Atom feed, and the unsubscribe
link of the emails, which works without signing in."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from compliance.models import AlertEvent, Subscription
from compliance.selectors.alerts import (
    deliveries_of,
    event_links,
    event_summary,
    event_text,
    events_of,
    subscriptions_of,
)
from compliance.services import subscriptions
from compliance.services.delivery import subscription_from_token, subscription_unsubscribe
from jurisdictions.choices import RiskLevel
from jurisdictions.models import Jurisdiction

LOG_LENGTH = 20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(text: str) -> str:
    """Text without the control characters XML cannot carry (recorded text may hold them)."""
    return _CONTROL.sub(" ", text)


class SubscriptionForm(forms.Form):
    """The page's form; the service checks the fields together."""

    name = forms.CharField(max_length=120, required=False)
    kind = forms.ChoiceField(choices=Subscription.Kind.choices)
    jurisdiction = forms.CharField(
        required=False, max_length=100, help_text="Slug, e.g. chicago-il (a jurisdiction)."
    )
    threshold_usd = forms.IntegerField(required=False, min_value=1, label="Threshold (dollars)")
    threshold_percent = forms.IntegerField(
        required=False, min_value=1, max_value=1000, label="Threshold (percent)"
    )
    record_type = forms.ChoiceField(
        choices=[("", "—"), *Subscription.RecordType.choices], required=False
    )
    query = forms.CharField(
        required=False, max_length=1000,
        help_text="The API's filters as a query string, e.g. q=sanctuary&position=defiant "
        "(a saved search).",
    )  # fmt: skip
    level = forms.ChoiceField(choices=[("", "—"), *RiskLevel.choices], required=False)
    email = forms.ChoiceField(choices=Subscription.Email.choices)
    webhook_url = forms.URLField(required=False, max_length=500, assume_scheme="https")

    def clean_jurisdiction(self) -> Jurisdiction | None:
        slug = self.cleaned_data["jurisdiction"].strip()
        if not slug:
            return None
        found = Jurisdiction.objects.filter(slug=slug).first()
        if found is None:
            raise ValidationError(f"No jurisdiction with the slug {slug!r}.")
        return found

    def clean_query(self) -> dict[str, str]:
        text = self.cleaned_data["query"].strip().lstrip("?")
        return {key: str(value) for key, value in QueryDict(text).items()} if text else {}


def _owned(request: HttpRequest, pk: int) -> Subscription:
    return get_object_or_404(Subscription, pk=pk, user=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def alerts_index(request: HttpRequest) -> HttpResponse:
    """``/alerts/``: the user's subscriptions and a form to add one."""
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscriptions.subscription_create(user=request.user, data=form.cleaned_data)
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                field = name.split(".", 1)[0]
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, "Subscription saved.")
            return redirect("alerts:index")
    rows = [
        {"sub": sub, "feed": reverse("alerts:feed", kwargs={"token": sub.feed_token}),
         "log": list(deliveries_of(subscription=sub)[:LOG_LENGTH])}
        for sub in subscriptions_of(user=request.user)
    ]  # fmt: skip
    status = 400 if request.method == "POST" else 200
    return render(request, "alerts/index.html", {"form": form, "rows": rows}, status=status)


@login_required
@require_POST
def alerts_test(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        subscriptions.subscription_test(subscription=_owned(request, pk))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Test event queued; see the delivery log below.")
    return redirect("alerts:index")


@login_required
@require_POST
def alerts_webhook_enable(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        subscriptions.subscription_update(subscription=_owned(request, pk),
                                          data={"webhook_active": True})  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Webhook turned on again.")
    return redirect("alerts:index")


@login_required
@require_POST
def alerts_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    subscriptions.subscription_secrets_rotate(subscription=_owned(request, pk))
    messages.success(request, "New webhook secret and feed address; the old ones no longer work.")
    return redirect("alerts:index")


@login_required
@require_POST
def alerts_delete(request: HttpRequest, pk: int) -> HttpResponse:
    subscriptions.subscription_delete(subscription=_owned(request, pk))
    messages.success(request, "Subscription deleted.")
    return redirect("alerts:index")


@csrf_exempt  # one-click unsubscribe (RFC 8058) posts from the mail client, with no session
@require_http_methods(["GET", "POST"])
def alerts_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """``/alerts/unsubscribe/<token>/``: GET asks to confirm, POST turns the email off."""
    sub = subscription_from_token(token)
    if sub is None:
        return render(request, "alerts/unsubscribe.html", {"invalid": True}, status=404)
    if request.method == "POST":
        subscription_unsubscribe(subscription=sub)
        return render(request, "alerts/unsubscribe.html", {"sub": sub, "done": True})
    return render(request, "alerts/unsubscribe.html", {"sub": sub})


class SubscriptionFeed(Feed):
    """``/alerts/feeds/<token>/``: a subscription's events as Atom; the token is the secret.
    Entries are plain text escaped into HTML summaries (recorded text is never markup)."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, token: str) -> Subscription:
        sub = Subscription.objects.filter(feed_token=token).first()
        if sub is None:
            raise Http404("No such feed.")
        return sub

    def title(self, obj: Subscription) -> str:
        return printable(f"Alerts: {obj}")

    def link(self, obj: Subscription) -> str:
        return reverse("alerts:index")

    def subtitle(self, obj: Subscription) -> str:
        return "Events of one subscription to the sanctuary funding tracker."

    def items(self, obj: Subscription) -> list[AlertEvent]:
        return events_of(subscription=obj)

    def item_title(self, item: AlertEvent) -> str:
        return printable(event_summary(item))

    def item_description(self, item: AlertEvent) -> str:
        return linebreaks(escape(printable(event_text(item))))

    def item_link(self, item: AlertEvent) -> str:
        return event_links(item).get("page") or reverse("alerts:index")

    def item_guid(self, item: AlertEvent) -> str:
        return f"alert-event-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: AlertEvent) -> Any:
        return item.created_at

    def item_updateddate(self, item: AlertEvent) -> Any:
        return item.created_at
