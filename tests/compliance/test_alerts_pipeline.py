"""Alerts end to end: PostgreSQL, Redis, a real Celery worker and a webhook receiver on
127.0.0.1. A save through the API writes the events in its transaction; the commit queues a
dispatch that the worker runs; a recompute in the worker that changes a level writes its own."""

from __future__ import annotations

import json
import time

import pytest
from django.db import transaction

from compliance.models import AlertDelivery, AlertEvent, FederalAction, Statement
from compliance.services import records
from tests.factories import JurisdictionFactory, SubscriptionFactory
from tests.helpers import WebhookReceiver, exposed_city, settled, token_client_for, wait_for

pytestmark = [
    pytest.mark.pipeline,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres", "redis_url"),
]


def test_a_statement_saved_through_the_api_is_delivered_by_the_worker(worker, editor_user):
    city, other = JurisdictionFactory(), JurisdictionFactory()
    with WebhookReceiver() as receiver:
        follows = SubscriptionFactory(jurisdiction=city, webhook_url=receiver.url)
        search = SubscriptionFactory(kind="search", jurisdiction=None, record_type="statements",
                                     query={"q": "deportations"}, webhook_url=receiver.url,
                                     email="off")  # fmt: skip
        SubscriptionFactory(jurisdiction=other, webhook_url=receiver.url)
        SubscriptionFactory(kind="search", jurisdiction=None, record_type="statements",
                            query={"q": "potholes"}, webhook_url=receiver.url)  # fmt: skip

        response = token_client_for(editor_user).post("/api/v1/statements/", {
            "jurisdiction": city.slug, "speaker": "Mayor Example", "said_on": "2026-11-30",
            "quote": "We will not help with deportations.", "position": "defiant",
            "source_url": "https://example.org/said",
        }, format="json")  # fmt: skip
        assert response.status_code == 201, response.content
        wait_for(lambda: len(receiver.requests) >= 2, what="two webhooks")
        wait_for(lambda: not AlertDelivery.objects.filter(status="pending").exists(),
                 what="every delivery sent")  # fmt: skip

        record_events = AlertEvent.objects.filter(kind="record")
        assert sorted(record_events.values_list("subscription_id", flat=True)) == sorted(
            [follows.pk, search.pk]
        )
        per_channel = sorted(
            AlertDelivery.objects.filter(event__kind="record").values_list(
                "subscription_id", "channel", "status"
            )
        )
        assert per_channel == sorted([
            (follows.pk, "email", "sent"), (follows.pk, "webhook", "sent"),
            (search.pk, "webhook", "sent"),
        ])  # fmt: skip
        record_hooks = [json.loads(body) for _, body in receiver.requests
                        if json.loads(body)["event"]["kind"] == "record"]  # fmt: skip
        assert len(record_hooks) == 2
        assert {h["event"]["subscription"]["id"] for h in record_hooks} == {follows.pk, search.pk}

        # A save that rolls back writes no event and sends nothing.
        seen = len(receiver.requests)

        def save_then_fail() -> None:
            with transaction.atomic():
                records.statement_create(statement=Statement(
                    jurisdiction=city, speaker="Mayor", said_on="2026-12-01",
                    quote="More on deportations.", position="defiant",
                    source_url="https://example.org/x",
                ))  # fmt: skip
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            save_then_fail()
        time.sleep(1.5)
        assert len(receiver.requests) == seen
        assert AlertEvent.objects.filter(kind="record").count() == 2


def test_a_level_change_in_the_worker_produces_one_event(worker) -> None:
    city = exposed_city()
    wait_for(settled(city), what="the first assessment")
    city.refresh_from_db()
    old_level = city.risk_level
    with WebhookReceiver() as receiver:
        # A threshold no funding change reaches: only the level (or stance) change counts.
        sub = SubscriptionFactory(jurisdiction=city, threshold_usd=10**12, email="off",
                                  webhook_url=receiver.url)  # fmt: skip
        records.federal_action_delete(action=FederalAction.objects.get(targets=city))
        wait_for(lambda: AlertEvent.objects.filter(kind="figures").exists(), what="an event")
        wait_for(lambda: len(receiver.requests) >= 1, what="its webhook")
        wait_for(settled(city), what="the recompute to settle")
        time.sleep(1)

        events = list(AlertEvent.objects.filter(subscription=sub))
        assert len(events) == 1
        assert events[0].kind == "figures"
        assert events[0].payload["before"]["risk_level"] == old_level
        city.refresh_from_db()
        assert events[0].payload["after"]["risk_level"] == city.risk_level != old_level
        assert len(receiver.requests) == 1
