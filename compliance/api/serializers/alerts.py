"""Subscriptions, their deliveries and attempts, as the API shows and takes them."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from compliance.core.serializers import StrictFieldsMixin
from compliance.models import AlertDelivery, DeliveryAttempt, Subscription
from compliance.selectors.alerts import site_url
from jurisdictions.models import Jurisdiction


class SubscriptionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """What a user follows and how they hear of it. The webhook secret and the feed address
    are shown to their owner only (this endpoint shows nobody else's subscriptions). The
    fields are checked together by ``compliance.services.subscriptions``."""

    jurisdiction = serializers.SlugRelatedField(
        slug_field="slug", queryset=Jurisdiction.objects.all(), required=False, allow_null=True,
        help_text="Slug of the followed jurisdiction (kind `jurisdiction`).",
    )  # fmt: skip
    query = serializers.JSONField(
        required=False,
        help_text="The saved search (kind `search`): the list endpoint's filter parameters, "
        'e.g. {"q": "sanctuary", "position": "defiant"}.',
    )
    feed_url = serializers.SerializerMethodField(help_text="This subscription's Atom feed.")

    class Meta:
        model = Subscription
        fields = (
            "id", "name", "kind", "jurisdiction", "threshold_usd", "threshold_percent",
            "record_type", "query", "level", "email", "webhook_url", "webhook_active",
            "webhook_secret", "webhook_disabled_reason", "feed_url", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = (
            "id", "webhook_secret", "webhook_disabled_reason", "feed_url", "created_at",
            "updated_at",
        )  # fmt: skip
        extra_kwargs = {"kind": {"required": True}}

    def get_feed_url(self, obj: Subscription) -> str:
        return site_url(reverse("alerts:feed", kwargs={"token": obj.feed_token}))


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ("attempted_at", "ok", "status_code", "error", "duration_ms")


class AlertDeliverySerializer(serializers.ModelSerializer):
    """One event on one channel: its state and every attempt."""

    event = serializers.SerializerMethodField()
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = AlertDelivery
        fields = (
            "uuid", "channel", "digest", "status", "attempts", "next_attempt_at", "sent_at",
            "last_error", "created_at", "event", "attempt_log",
        )  # fmt: skip

    def get_event(self, obj: AlertDelivery) -> dict[str, Any]:
        event = obj.event
        return {"id": event.pk, "kind": event.kind, "created_at": event.created_at,
                "payload": event.payload}  # fmt: skip


class SampleEventSerializer(serializers.Serializer):
    """The answer to "send a test event": the event queued."""

    event = serializers.IntegerField(read_only=True, help_text="Id of the test event.")
