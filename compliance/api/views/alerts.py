"""A user's own subscriptions: list, create, change, delete, a test event and the delivery
log. Another user's subscription is a 404, as if it did not exist."""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from compliance.api.serializers.alerts import (
    AlertDeliverySerializer,
    SampleEventSerializer,
    SubscriptionSerializer,
)
from compliance.core.viewsets import ApiViewSetMixin
from compliance.models import Subscription
from compliance.selectors.alerts import deliveries_of, subscriptions_of
from compliance.services import subscriptions


@extend_schema_view(
    list=extend_schema(summary="Your subscriptions"),
    create=extend_schema(summary="Follow a jurisdiction, a search or the ranking"),
    retrieve=extend_schema(summary="One of your subscriptions"),
    partial_update=extend_schema(summary="Change one of your subscriptions"),
    destroy=extend_schema(summary="Delete one of your subscriptions"),
)
class SubscriptionViewSet(
    ApiViewSetMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """Alerts: what you follow and how you hear of it (email, Atom feed, signed webhook)."""

    serializer_class = SubscriptionSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_class = None
    action_query_params = {"deliveries": ("page", "page_size")}
    export_filename = "subscriptions"

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Subscription.objects.none()
        return subscriptions_of(user=self.request.user)

    def perform_create(self, serializer: BaseSerializer) -> None:
        serializer.instance = subscriptions.subscription_create(
            user=self.request.user, data=serializer.validated_data
        )

    def perform_update(self, serializer: BaseSerializer) -> None:
        serializer.instance = subscriptions.subscription_update(
            subscription=cast(Subscription, serializer.instance), data=serializer.validated_data
        )

    def perform_destroy(self, instance: Subscription) -> None:
        subscriptions.subscription_delete(subscription=instance)

    @extend_schema(summary="Send a test event on the subscription's channels", request=None,
                   responses={202: SampleEventSerializer})  # fmt: skip
    @action(detail=True, methods=["post"], serializer_class=SampleEventSerializer)
    def test(self, request: Request, pk: str | None = None) -> Response:
        event = subscriptions.subscription_test(subscription=self.get_object())
        return Response({"event": event.pk}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(summary="New webhook secret and feed address (the old ones stop working)",
                   request=None, responses=SubscriptionSerializer)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="rotate-secrets")
    def rotate_secrets(self, request: Request, pk: str | None = None) -> Response:
        sub = subscriptions.subscription_secrets_rotate(subscription=self.get_object())
        return Response(self.get_serializer(sub).data)

    @extend_schema(summary="The subscription's deliveries and their attempts, newest first",
                   responses=AlertDeliverySerializer(many=True))  # fmt: skip
    @action(detail=True, serializer_class=AlertDeliverySerializer)
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        rows = deliveries_of(subscription=self.get_object())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(AlertDeliverySerializer(page, many=True).data)
