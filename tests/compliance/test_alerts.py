"""Alerts without a worker: which changes write which events and deliveries (in the change's
transaction), the subscriptions API and its checks, the page, the feed and unsubscribing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from compliance.choices import ActionEffect
from compliance.models import AlertDelivery, AlertEvent, FederalAction, Statement, Subscription
from compliance.services import records
from compliance.services.alerts import FiguresChange, jurisdiction_change_matches
from compliance.services.delivery import unsubscribe_token
from compliance.services.recompute import risk_assessment_record
from compliance.services.subscriptions import subscription_create
from tests.factories import (
    FederalActionFactory,
    JurisdictionFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.helpers import exposed_city, token_client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]


def _statement_body(city, **extra):
    return {
        "jurisdiction": city.slug, "speaker": "Mayor Example", "speaker_role": "Mayor",
        "said_on": "2026-11-30", "quote": "This city will not help with deportations.",
        "position": "defiant", "source_url": "https://example.org/said", **extra,
    }  # fmt: skip


def test_a_statement_writes_one_event_per_matching_subscription_and_one_delivery_a_channel(
    editor_client,
) -> None:
    city, other = JurisdictionFactory(), JurisdictionFactory()
    follows = SubscriptionFactory(jurisdiction=city, webhook_url="https://hooks.example.org/a")
    search = SubscriptionFactory(kind="search", jurisdiction=None, record_type="statements",
                                 query={"q": "deportations", "position": "defiant"},
                                 email="daily")  # fmt: skip
    SubscriptionFactory(jurisdiction=other)  # another city
    SubscriptionFactory(kind="search", jurisdiction=None, record_type="statements",
                        query={"q": "budget"})  # fmt: skip
    SubscriptionFactory(kind="search", jurisdiction=None, record_type="federal-actions",
                        query={"effect": "withholding"})  # fmt: skip

    response = editor_client.post("/api/v1/statements/", _statement_body(city), format="json")

    assert response.status_code == 201, response.content
    events = AlertEvent.objects.order_by("subscription_id")
    assert [(e.subscription_id, e.kind, e.record_id) for e in events] == [
        (follows.pk, "record", response.json()["id"]),
        (search.pk, "record", response.json()["id"]),
    ]
    deliveries = sorted(AlertDelivery.objects.values_list("subscription_id", "channel", "digest"))
    assert deliveries == [
        (follows.pk, "email", False), (follows.pk, "webhook", False), (search.pk, "email", True),
    ]  # fmt: skip
    assert events[0].payload["record"]["title"].startswith("Mayor Example: This city")


def test_a_rolled_back_save_writes_no_event() -> None:
    city = JurisdictionFactory()
    SubscriptionFactory(jurisdiction=city)
    written_inside = []

    def save_then_fail() -> None:
        with transaction.atomic():
            records.statement_create(statement=Statement(
                jurisdiction=city, speaker="Mayor", said_on=dt.date(2026, 11, 30), quote="No.",
                position="defiant", source_url="https://example.org/x",
            ))  # fmt: skip
            written_inside.append(AlertEvent.objects.count())
            raise RuntimeError("the rest of the change failed")

    with pytest.raises(RuntimeError):
        save_then_fail()
    assert written_inside == [1]  # written in the transaction...
    assert AlertEvent.objects.count() == 0  # ...and gone with it
    assert AlertDelivery.objects.count() == 0


def test_an_action_reaches_the_followers_of_its_targets(editor_client) -> None:
    city, other = JurisdictionFactory(), JurisdictionFactory()
    follows = SubscriptionFactory(jurisdiction=city, email="off")
    SubscriptionFactory(jurisdiction=other, email="off")
    records.federal_action_create(
        action=FederalActionFactory.build(effect=ActionEffect.THREAT), targets=[city]
    )
    assert list(AlertEvent.objects.values_list("subscription_id", "record_type")) == [
        (follows.pk, "federal-actions")
    ]
    assert AlertDelivery.objects.count() == 0  # email off, no webhook: the feed only


def test_figures_events_follow_thresholds_and_levels() -> None:
    city = exposed_city()
    risk_assessment_record(jurisdiction_id=city.pk)  # the first computation is no event
    city.refresh_from_db()
    assert city.funding_at_risk_usd > 0
    assert AlertEvent.objects.count() == 0
    old_level, old_funding = city.risk_level, city.funding_at_risk_usd
    every = SubscriptionFactory(jurisdiction=city)
    big = SubscriptionFactory(jurisdiction=city, threshold_usd=old_funding * 10)
    ranking = SubscriptionFactory(kind="ranking", jurisdiction=None, level=old_level)
    SubscriptionFactory(kind="ranking", jurisdiction=None,
                        level="low" if old_level != "low" else "high")  # fmt: skip
    records.federal_action_delete(
        action=FederalAction.objects.get(targets=city)
    )  # no threat left: funding at risk $0

    risk_assessment_record(jurisdiction_id=city.pk)

    city.refresh_from_db()
    assert city.funding_at_risk_usd == 0
    assert city.risk_level != old_level
    events = {e.subscription_id: e for e in AlertEvent.objects.all()}
    assert set(events) == {every.pk, big.pk, ranking.pk}  # a level change passes any threshold
    assert events[every.pk].kind == "figures"
    assert events[ranking.pk].kind == "ranking"
    payload = events[every.pk].payload
    assert payload["before"]["funding_at_risk_usd"] == old_funding
    assert payload["after"] == {
        "funding_at_risk_usd": 0, "risk_level": city.risk_level, "stance": city.stance,
        "computed_at": payload["after"]["computed_at"],
    }  # fmt: skip
    assert payload["before"]["risk_level"] == old_level

    risk_assessment_record(jurisdiction_id=city.pk)  # nothing changed: no new event
    assert AlertEvent.objects.count() == 3


@pytest.mark.parametrize(
    ("threshold_usd", "threshold_percent", "old", "new", "expected"),
    [
        (None, None, 100, 101, True), (None, None, 100, 100, False), (50, None, 100, 149, False),
        (50, None, 100, 150, True), (None, 10, 1000, 1099, False), (None, 10, 1000, 900, True),
        (None, 10, 0, 5, True), (500, 10, 10_000, 10_400, False), (500, 10, 1_000, 1_100, True),
    ],
)  # fmt: skip
def test_thresholds_in_dollars_or_percent(threshold_usd, threshold_percent, old, new, expected):
    sub = Subscription(threshold_usd=threshold_usd, threshold_percent=threshold_percent)
    change = FiguresChange(1, old, new, "low", "low", "sanctuary", "sanctuary", timezone.now())
    assert jurisdiction_change_matches(sub, change) is expected


# --- The API ---------------------------------------------------------------------------------


def test_a_user_sees_and_changes_only_their_own_subscriptions() -> None:
    mine, theirs = UserFactory(), UserFactory()
    city = JurisdictionFactory()
    own = SubscriptionFactory(user=mine, jurisdiction=city)
    other = SubscriptionFactory(user=theirs, jurisdiction=city)
    client = token_client_for(mine)

    listed = client.get("/api/v1/subscriptions/").json()["results"]
    assert [row["id"] for row in listed] == [own.pk]
    assert listed[0]["webhook_secret"] == own.webhook_secret
    for method, path in [
        ("get", f"/api/v1/subscriptions/{other.pk}/"),
        ("patch", f"/api/v1/subscriptions/{other.pk}/"),
        ("delete", f"/api/v1/subscriptions/{other.pk}/"),
        ("post", f"/api/v1/subscriptions/{other.pk}/test/"),
        ("get", f"/api/v1/subscriptions/{other.pk}/deliveries/"),
    ]:
        response = getattr(client, method)(path, {"name": "mine now"}, format="json") \
            if method == "patch" else getattr(client, method)(path)  # fmt: skip
        assert response.status_code == 404, (method, path)
    other.refresh_from_db()
    assert other.name == ""
    assert Subscription.objects.filter(pk=other.pk).exists()
    assert AlertEvent.objects.filter(subscription=other).count() == 0
    assert token_client_for(theirs).get(f"/api/v1/subscriptions/{own.pk}/").status_code == 404


def test_anonymous_users_have_no_subscriptions(api_client) -> None:
    assert api_client.get("/api/v1/subscriptions/").status_code == 401
    assert api_client.post("/api/v1/subscriptions/", {"kind": "ranking"}).status_code == 401


def test_analysts_follow_a_jurisdiction_through_the_api(analyst_client) -> None:
    city = JurisdictionFactory()
    response = analyst_client.post("/api/v1/subscriptions/", {
        "kind": "jurisdiction", "jurisdiction": city.slug, "threshold_percent": 10,
        "email": "daily", "name": "Watch",
    }, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["jurisdiction"] == city.slug
    assert body["feed_url"].startswith("http")
    assert len(body["webhook_secret"]) >= 40
    sub = Subscription.objects.get(pk=body["id"])
    assert sub.history.count() == 1  # audited


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "jurisdiction"}, "jurisdiction"),
        ({"kind": "jurisdiction", "jurisdiction": "no-such-place"}, "jurisdiction"),
        ({"kind": "jurisdiction", "threshold_usd": -5}, "threshold_usd"),
        ({"kind": "jurisdiction", "threshold_percent": 0}, "threshold_percent"),
        ({"kind": "ranking", "level": "catastrophic"}, "level"),
        ({"kind": "ranking", "level": "severe", "threshold_usd": 5}, "threshold_usd"),
        ({"kind": "search", "record_type": "statements", "query": {"position": "angry"}},
         "query.position"),
        ({"kind": "search", "record_type": "statements", "query": {"colour": "red"}},
         "query.colour"),
        ({"kind": "search", "record_type": "statements", "query": {}}, "query"),
        ({"kind": "search", "record_type": "statements", "query": "q=x"}, "query"),
        ({"kind": "search", "query": {"q": "x"}}, "record_type"),
        ({"kind": "ranking", "level": "severe", "webhook_url": "ftp://example.org/x"},
         "webhook_url"),
        ({"kind": "ranking", "level": "severe", "webhook_url": "not a url"}, "webhook_url"),
        ({"kind": "ranking", "level": "severe", "feed_token": "mine"}, "feed_token"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(analyst_client, body, field):
    city = JurisdictionFactory()
    if body.get("kind") == "jurisdiction" and field != "jurisdiction":
        body = {**body, "jurisdiction": city.slug}
    response = analyst_client.post("/api/v1/subscriptions/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert Subscription.objects.count() == 0


@override_settings(ALERTS_WEBHOOK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/hook",
        "https://192.168.0.10/hook", "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook", "https://[::ffff:127.0.0.1]/hook", "https://0.0.0.0/hook",
        "http://93.184.215.14/hook", "https://user:pw@93.184.215.14/hook",
    ],
)  # fmt: skip
def test_webhooks_to_private_addresses_are_refused_in_production(analyst_client, url) -> None:
    response = analyst_client.post("/api/v1/subscriptions/", {
        "kind": "ranking", "level": "severe", "webhook_url": url,
    }, format="json")  # fmt: skip
    assert response.status_code == 400, response.content
    assert "webhook_url" in response.json()
    assert Subscription.objects.count() == 0


def test_production_settings_refuse_private_webhooks_even_when_asked_to_allow_them() -> None:
    import os
    import subprocess
    import sys

    code = (
        "import django; django.setup(); from django.conf import settings; "
        "from compliance.core.webhooks import webhook_url_refusal as r; "
        "print(settings.ALERTS_WEBHOOK_ALLOW_PRIVATE); "
        "print(r('https://127.0.0.1/hook', allow_private=settings.ALERTS_WEBHOOK_ALLOW_PRIVATE))"
    )
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "compliance.settings.production",
        "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": "a-test-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "localhost", "ALERTS_WEBHOOK_ALLOW_PRIVATE": "true",
    }  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout.splitlines()  # fmt: skip
    assert out[0] == "False"
    assert "loopback, private or reserved address" in out[1]


@override_settings(ALERTS_MAX_SUBSCRIPTIONS=2)
def test_the_subscription_cap_is_a_400(analyst_client) -> None:
    for _ in range(2):
        ok = analyst_client.post("/api/v1/subscriptions/", {"kind": "ranking", "level": "high"},
                                 format="json")  # fmt: skip
        assert ok.status_code == 201
    response = analyst_client.post("/api/v1/subscriptions/", {"kind": "ranking", "level": "high"},
                                   format="json")  # fmt: skip
    assert response.status_code == 400
    assert "most allowed" in str(response.json())
    assert Subscription.objects.count() == 2


@override_settings(ALERTS_MAX_TESTS_PER_HOUR=1)
def test_test_events_are_capped(analyst_user) -> None:
    client = token_client_for(analyst_user)
    sub = subscription_create(user=analyst_user, data={"kind": "ranking", "level": "high"})
    first = client.post(f"/api/v1/subscriptions/{sub.pk}/test/")
    assert first.status_code == 202
    assert AlertEvent.objects.get(pk=first.json()["event"]).kind == "test"
    assert client.post(f"/api/v1/subscriptions/{sub.pk}/test/").status_code == 400
    assert AlertEvent.objects.count() == 1


def test_a_changed_webhook_url_gets_a_new_secret_and_is_on_again(analyst_user) -> None:
    client = token_client_for(analyst_user)
    sub = subscription_create(user=analyst_user, data={
        "kind": "ranking", "level": "high", "webhook_url": "https://hooks.example.org/1",
    })  # fmt: skip
    Subscription.objects.filter(pk=sub.pk).update(webhook_active=False,
                                                  webhook_disabled_reason="failed")  # fmt: skip
    change = {"webhook_url": "https://hooks.example.org/2"}
    response = client.patch(f"/api/v1/subscriptions/{sub.pk}/", change, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["webhook_active"] is True
    assert body["webhook_disabled_reason"] == ""
    assert body["webhook_secret"] != sub.webhook_secret


# --- Page, feed and unsubscribe ----------------------------------------------------------------


def test_the_alerts_page_needs_a_login_and_creates_subscriptions(client) -> None:
    assert client.get("/alerts/").status_code == 302
    user = UserFactory()
    client.force_login(user)
    city = JurisdictionFactory()
    bad = client.post("/alerts/", {"kind": "jurisdiction", "jurisdiction": "nowhere",
                                   "email": "immediate"})  # fmt: skip
    assert bad.status_code == 400
    assert b"No jurisdiction with the slug" in bad.content
    ok = client.post("/alerts/", {"kind": "search", "record_type": "statements",
                                  "query": "q=sanctuary&position=defiant", "email": "daily",
                                  "name": "Defiant sanctuary talk"})  # fmt: skip
    assert ok.status_code == 302
    sub = Subscription.objects.get(user=user)
    assert sub.query == {"q": "sanctuary", "position": "defiant"}
    page = client.get("/alerts/")
    assert b"Defiant sanctuary talk" in page.content
    assert sub.feed_token.encode() in page.content
    assert client.post(f"/alerts/{sub.pk}/test/").status_code == 302
    assert AlertEvent.objects.filter(subscription=sub, kind="test").count() == 1
    other = SubscriptionFactory(jurisdiction=city)
    assert client.post(f"/alerts/{other.pk}/delete/").status_code == 404
    assert client.post(f"/alerts/{sub.pk}/delete/").status_code == 302
    assert not Subscription.objects.filter(pk=sub.pk).exists()


def test_the_feed_is_secret_and_escapes_recorded_text(client) -> None:
    city = JurisdictionFactory()
    sub = SubscriptionFactory(jurisdiction=city, email="off")
    records.statement_create(statement=Statement(
        jurisdiction=city, speaker="<script>alert(1)</script>", said_on=dt.date(2026, 11, 30),
        quote="We <b>refuse</b>.", position="defiant", source_url="https://example.org/x",
    ))  # fmt: skip
    assert client.get("/alerts/feeds/not-the-token/").status_code == 404
    feed = client.get(f"/alerts/feeds/{sub.feed_token}/")
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
    body = feed.content.decode()
    assert "<entry>" in body
    assert "<script>" not in body
    assert "&lt;script&gt;" in body
    assert f"/jurisdictions/{city.slug}/" in body


def test_unsubscribing_needs_no_login_and_a_forged_token_fails(client) -> None:
    sub = SubscriptionFactory(email="immediate")
    token = unsubscribe_token(sub)
    page = client.get(f"/alerts/unsubscribe/{token}/")
    assert page.status_code == 200
    assert b"Unsubscribe" in page.content
    sub.refresh_from_db()
    assert sub.email == "immediate"  # a GET (a link preview) changes nothing
    forged = signing.dumps({"s": sub.pk}, salt="another salt")
    assert client.post(f"/alerts/unsubscribe/{forged}/").status_code == 404
    assert client.post(f"/alerts/unsubscribe/{token}/").status_code == 200
    sub.refresh_from_db()
    assert sub.email == "off"


def test_thresholds_hold_in_the_database_rule_too() -> None:
    """The set-based rule of a recompute (PostgreSQL) agrees with the Python one."""
    from compliance.services.alerts import figures_events_write

    city = JurisdictionFactory()
    at = timezone.now()
    rules = [(None, None), (50, None), (None, 10), (None, 60), (500, 60), (2000, 90)]
    subs = [
        SubscriptionFactory(jurisdiction=city, threshold_usd=usd, threshold_percent=percent)
        for usd, percent in rules
    ]
    change = FiguresChange(city.pk, 1000, 1500, "low", "low", "sanctuary", "sanctuary", at)
    figures_events_write(changes=[change], at=at)
    written = set(AlertEvent.objects.values_list("subscription_id", flat=True))
    expected = {s.pk for s in subs if jurisdiction_change_matches(s, change)}
    assert written == expected
    assert len(expected) == 4  # not the 60 % and the 90 %/$2,000 ones


@override_settings(ALERTS_WEBHOOK_ALLOW_PRIVATE=False)
@pytest.mark.parametrize(
    "address", ["::127.0.0.1", "2002:7f00:1::", "64:ff9b::a00:1", "2001:0:4136:e378::1"]
)
def test_ipv4_inside_ipv6_is_not_public(address) -> None:
    from compliance.core.webhooks import address_public

    assert address_public(address) is False
    assert address_public("2606:4700:4700::1111") is True


def test_a_name_with_a_line_break_is_refused(analyst_client) -> None:
    response = analyst_client.post("/api/v1/subscriptions/", {
        "kind": "ranking", "level": "high", "name": "Severe\nBcc: x@example.org",
    }, format="json")  # fmt: skip
    assert response.status_code == 400
    assert "name" in response.json()


def test_turning_email_off_skips_the_emails_waiting(analyst_user) -> None:
    client = token_client_for(analyst_user)
    city = JurisdictionFactory()
    sub = subscription_create(user=analyst_user, data={"kind": "jurisdiction",
                                                       "jurisdiction": city})  # fmt: skip
    records.statement_create(statement=Statement(
        jurisdiction=city, speaker="Mayor", said_on=dt.date(2026, 11, 30), quote="No.",
        position="defiant", source_url="https://example.org/x",
    ))  # fmt: skip
    assert AlertDelivery.objects.get().status == "pending"
    assert client.patch(f"/api/v1/subscriptions/{sub.pk}/", {"email": "off"},
                        format="json").status_code == 200  # fmt: skip
    assert AlertDelivery.objects.get().status == "skipped"


def test_turning_a_webhook_on_again_that_is_now_refused_is_a_message_not_an_error(client):
    user = UserFactory()
    client.force_login(user)
    sub = SubscriptionFactory(
        user=user, kind="ranking", jurisdiction=None, level="high",
        webhook_url="https://127.0.0.1/hook", webhook_active=False,
    )  # fmt: skip
    with override_settings(ALERTS_WEBHOOK_ALLOW_PRIVATE=False):
        response = client.post(f"/alerts/{sub.pk}/webhook-on/", follow=True)
    assert response.status_code == 200
    assert b"public addresses" in response.content
    sub.refresh_from_db()
    assert sub.webhook_active is False


def test_rotating_the_secrets_retires_the_old_feed_address(analyst_user, client) -> None:
    api = token_client_for(analyst_user)
    sub = subscription_create(user=analyst_user, data={"kind": "ranking", "level": "high"})
    old_feed, old_secret = sub.feed_token, sub.webhook_secret
    assert client.get(f"/alerts/feeds/{old_feed}/").status_code == 200
    response = api.post(f"/api/v1/subscriptions/{sub.pk}/rotate-secrets/")
    assert response.status_code == 200
    assert response.json()["webhook_secret"] != old_secret
    assert client.get(f"/alerts/feeds/{old_feed}/").status_code == 404
    sub.refresh_from_db()
    assert client.get(f"/alerts/feeds/{sub.feed_token}/").status_code == 200
    other = SubscriptionFactory()
    assert api.post(f"/api/v1/subscriptions/{other.pk}/rotate-secrets/").status_code == 404
