"""Writes of a user's subscriptions (the API and the alerts page): validated field by field,
within the per-user limits, audited by the subscription's history."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from compliance.core.webhooks import webhook_url_refusal
from compliance.models import AlertDelivery, AlertEvent, Subscription
from compliance.models.alerts import new_secret
from jurisdictions.choices import RiskLevel

from .alerts import FILTERSETS, sample_event_write

SUBSCRIPTION_FIELDS = (
    "name", "kind", "jurisdiction", "threshold_usd", "threshold_percent", "record_type",
    "query", "level", "email", "webhook_url", "webhook_active",
)  # fmt: skip
# Filters a saved search cannot hold: the order of a list means nothing for one new record.
QUERY_EXCLUDED = ("ordering", "updated_since")


def query_errors(*, record_type: str, query: Any) -> dict[str, list[str]]:
    """Per-parameter errors of a saved search, keyed ``query.<name>`` (none when valid)."""
    if not isinstance(query, Mapping):
        return {"query": ["Give the search as an object of filter parameters."]}
    filterset_class = FILTERSETS.get(record_type)  # type: ignore[call-overload]
    if filterset_class is None:
        return {}
    allowed = [n for n in filterset_class.base_filters if n not in QUERY_EXCLUDED]
    errors: dict[str, list[str]] = {}
    for name, value in query.items():
        if name not in allowed:
            errors[f"query.{name}"] = [f"Unknown filter; use one of: {', '.join(allowed)}."]
        elif not isinstance(value, str) or len(value) > 500:
            errors[f"query.{name}"] = ["Give the value as text of at most 500 characters."]
    if errors:
        return errors
    if not query:
        return {"query": ["A saved search needs at least one filter."]}
    data = QueryDict(mutable=True)
    data.update(dict(query))
    filterset = filterset_class(data=data)
    if not filterset.is_valid():
        for name, messages in filterset.errors.items():
            errors[f"query.{name}"] = list(messages)
    return errors


def subscription_validate(subscription: Subscription) -> None:
    """Check a subscription's fields together; raise per-field errors."""
    errors: dict[str, list[str]] = {}
    try:
        subscription.full_clean(exclude=["user", "webhook_secret", "feed_token"])
    except ValidationError as error:
        errors.update(error.message_dict)
    if any(ord(c) < 32 or ord(c) == 127 for c in subscription.name or ""):
        errors.setdefault("name", []).append(
            "A name cannot hold line breaks or control characters."
        )
    kind = subscription.kind
    if kind == Subscription.Kind.JURISDICTION:
        if subscription.jurisdiction_id is None:
            errors.setdefault("jurisdiction", []).append("Name the jurisdiction to follow.")
    elif subscription.jurisdiction_id is not None:
        errors.setdefault("jurisdiction", []).append("Only a jurisdiction subscription names one.")
    if kind != Subscription.Kind.JURISDICTION and (
        subscription.threshold_usd is not None or subscription.threshold_percent is not None
    ):
        errors.setdefault("threshold_usd", []).append(
            "Thresholds apply to a jurisdiction subscription only."
        )
    if subscription.threshold_usd is not None and subscription.threshold_usd < 1:
        errors.setdefault("threshold_usd", []).append("Give a whole number of dollars, 1 or more.")
    if (
        subscription.threshold_percent is not None
        and not 1 <= subscription.threshold_percent <= 1000
    ):
        errors.setdefault("threshold_percent", []).append("Give a percent from 1 to 1000.")
    if kind == Subscription.Kind.SEARCH:
        if not subscription.record_type:
            errors.setdefault("record_type", []).append("Say which records the search is over.")
        else:
            errors.update(
                query_errors(record_type=subscription.record_type, query=subscription.query)
            )
    elif subscription.record_type or subscription.query:
        errors.setdefault("query", []).append("Only a saved search has a query.")
    if kind == Subscription.Kind.RANKING:
        if subscription.level not in RiskLevel.values:
            errors.setdefault("level", []).append(
                f"Name the level to watch: one of {', '.join(RiskLevel.values)}."
            )
    elif subscription.level:
        errors.setdefault("level", []).append("Only a ranking subscription watches a level.")
    if subscription.webhook_url:
        refusal = webhook_url_refusal(
            subscription.webhook_url, allow_private=settings.ALERTS_WEBHOOK_ALLOW_PRIVATE
        )
        if refusal:
            errors.setdefault("webhook_url", []).append(refusal)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def subscription_create(*, user: Any, data: Mapping[str, Any]) -> Subscription:
    """Create a subscription for ``user``, within their limit."""
    # The user's row is the lock: two creates at once cannot both pass the count.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    held = Subscription.objects.filter(user=user).count()
    if held >= settings.ALERTS_MAX_SUBSCRIPTIONS:
        raise ValidationError(
            {"non_field_errors": [
                f"You hold {held} subscriptions, the most allowed "
                f"({settings.ALERTS_MAX_SUBSCRIPTIONS}); delete one first."
            ]}
        )  # fmt: skip
    unknown = sorted(set(data) - set(SUBSCRIPTION_FIELDS))
    if unknown:
        raise ValidationError({name: ["This field cannot be set."] for name in unknown})
    subscription = Subscription(user=user, **dict(data))
    subscription_validate(subscription)
    subscription.save()
    return subscription


@transaction.atomic
def subscription_update(*, subscription: Subscription, data: Mapping[str, Any]) -> Subscription:
    """Change the given fields; turning a webhook on again clears why it was off, and a new
    URL gets a new secret."""
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    unknown = sorted(set(data) - set(SUBSCRIPTION_FIELDS))
    if unknown:
        raise ValidationError({name: ["This field cannot be set."] for name in unknown})
    old_url, old_email = subscription.webhook_url, subscription.email
    for name, value in data.items():
        setattr(subscription, name, value)
    subscription_validate(subscription)
    if subscription.email != old_email:  # waiting emails follow the new choice
        waiting = AlertDelivery.objects.filter(
            subscription=subscription, channel=AlertDelivery.Channel.EMAIL,
            status=AlertDelivery.Status.PENDING,
        )  # fmt: skip
        if subscription.email == Subscription.Email.OFF:
            waiting.update(status=AlertDelivery.Status.SKIPPED, last_error="Email turned off.")
        else:
            waiting.update(digest=subscription.email == Subscription.Email.DAILY)
    if data.get("webhook_active"):
        subscription.webhook_disabled_reason = ""
    if subscription.webhook_url != old_url:
        subscription.webhook_secret = new_secret()
        subscription.webhook_active = True
        subscription.webhook_disabled_reason = ""
    subscription.save()
    return subscription


def subscription_secrets_rotate(*, subscription: Subscription) -> Subscription:
    """New webhook secret and feed address (the old ones stop working at once): for a secret
    or a feed address that leaked."""
    subscription.webhook_secret = new_secret()
    subscription.feed_token = new_secret()
    subscription.save(update_fields=["webhook_secret", "feed_token", "updated_at"])
    return subscription


def subscription_delete(*, subscription: Subscription) -> None:
    subscription.delete()


def subscription_test(*, subscription: Subscription) -> AlertEvent:
    """Send a test event on the subscription's channels, within the hourly limit."""
    since = timezone.now() - timedelta(hours=1)
    recent = AlertEvent.objects.filter(
        subscription__user_id=subscription.user_id, kind=AlertEvent.Kind.TEST,
        created_at__gte=since,
    ).count()  # fmt: skip
    if recent >= settings.ALERTS_MAX_TESTS_PER_HOUR:
        raise ValidationError(
            {"non_field_errors": [
                f"At most {settings.ALERTS_MAX_TESTS_PER_HOUR} test events an hour; try later."
            ]}
        )  # fmt: skip
    return sample_event_write(subscription=subscription)
