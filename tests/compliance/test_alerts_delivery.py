"""Delivering alerts to real servers on 127.0.0.1 started by the tests: a webhook receiver
(signatures, retries with backoff, giving up and disabling) and an SMTP server (subject,
links, the unsubscribe link)."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import time
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.test import override_settings

from compliance.core.webhooks import signature_verify
from compliance.models import AlertDelivery, AlertEvent, DeliveryAttempt, Statement, Subscription
from compliance.services import records
from compliance.services.delivery import alerts_digest_send, alerts_dispatch, backoff_seconds
from tests.factories import JurisdictionFactory, SubscriptionFactory
from tests.helpers import WebhookReceiver, closed_port

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres")]

FAST_RETRIES = {
    "ALERTS_WEBHOOK_BACKOFF_SECONDS": 0.05, "ALERTS_WEBHOOK_BACKOFF_MAX_SECONDS": 0.2,
    "ALERTS_WEBHOOK_TIMEOUT_SECONDS": 2.0,
}  # fmt: skip


def _say(city, quote: str = "We will not help with deportations.") -> Statement:
    return records.statement_create(statement=Statement(
        jurisdiction=city, speaker="Mayor Example", said_on=dt.date(2026, 11, 30), quote=quote,
        position="defiant", source_url="https://example.org/said",
    ))  # fmt: skip


def _dispatch_until(done, *, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "the deliveries did not finish in time"
        alerts_dispatch()
        time.sleep(0.05)


@override_settings(**FAST_RETRIES)
def test_a_webhook_is_signed_as_documented_and_carries_the_change() -> None:
    city = JurisdictionFactory()
    with WebhookReceiver() as receiver:
        sub = SubscriptionFactory(jurisdiction=city, email="off", webhook_url=receiver.url)
        statement = _say(city)
        alerts_dispatch()

        assert len(receiver.requests) == 1
        headers, body = receiver.requests[0]
    assert signature_verify(secret=sub.webhook_secret, body=body,
                            header=headers["Tracker-Signature"])  # fmt: skip
    assert not signature_verify(secret="another secret", body=body,
                                header=headers["Tracker-Signature"])  # fmt: skip
    assert not signature_verify(secret=sub.webhook_secret, body=body + b" ",
                                header=headers["Tracker-Signature"])  # fmt: skip
    delivery = AlertDelivery.objects.get()
    assert headers["Tracker-Delivery"] == str(delivery.uuid)
    assert headers["Tracker-Event"] == "record"
    document = json.loads(body)
    assert document["delivery"] == str(delivery.uuid)
    event = document["event"]
    assert event["record"]["id"] == statement.pk
    assert event["jurisdiction"] == city.slug
    assert event["links"]["api"].endswith(f"/api/v1/statements/{statement.pk}/")
    assert event["links"]["page"].endswith(f"/jurisdictions/{city.slug}/")
    assert (
        f"/api/v1/jurisdictions/{city.slug}/changes/?from=2026-11-30&to="
        in (event["links"]["changes"])
    )
    assert delivery.status == "sent"
    assert delivery.attempts == 1


def test_the_documented_verification_sample_accepts_a_real_signature() -> None:
    """docs/alerts.md's receiver sample, run as written, on a body this code signed."""
    from pathlib import Path

    from compliance.core.webhooks import signature_header

    text = (Path(__file__).resolve().parents[2] / "docs" / "alerts.md").read_text()
    sample = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(sample, "docs/alerts.md", "exec"), namespace)
    body = b'{"event": {"kind": "test"}}'
    header = signature_header(secret="s3cret", body=body)
    assert namespace["verify"](b"s3cret", body, header) is True
    assert namespace["verify"](b"wrong", body, header) is False
    stale = signature_header(secret="s3cret", body=body, timestamp=int(time.time()) - 3600)
    assert namespace["verify"](b"s3cret", body, stale) is False


@override_settings(**FAST_RETRIES)
def test_a_receiver_failing_twice_gets_three_attempts_and_one_success() -> None:
    city = JurisdictionFactory()
    with WebhookReceiver(codes=(500, 500)) as receiver:
        SubscriptionFactory(jurisdiction=city, email="off", webhook_url=receiver.url)
        _say(city)
        delivery = AlertDelivery.objects.get()
        _dispatch_until(lambda: AlertDelivery.objects.get(pk=delivery.pk).status == "sent")

        assert len(receiver.requests) == 3
        ids = {headers["Tracker-Delivery"] for headers, _ in receiver.requests}
    assert ids == {str(delivery.uuid)}  # one delivery id across retries: idempotent
    log = list(DeliveryAttempt.objects.filter(delivery=delivery).order_by("attempted_at", "id"))
    assert [(a.ok, a.status_code) for a in log] == [(False, 500), (False, 500), (True, 200)]
    delivery.refresh_from_db()
    assert delivery.attempts == 3
    assert delivery.sent_at is not None


@override_settings(**FAST_RETRIES, ALERTS_WEBHOOK_RETRY_SECONDS=1)
def test_a_receiver_down_past_the_retry_window_disables_the_webhook_and_tells_the_owner(
    django_capture_on_commit_callbacks,
) -> None:
    city = JurisdictionFactory()
    sub = SubscriptionFactory(jurisdiction=city, email="off",
                              webhook_url=f"http://127.0.0.1:{closed_port()}/hook")  # fmt: skip
    _say(city)
    _say(city, quote="A second statement.")
    with django_capture_on_commit_callbacks(execute=True):
        _dispatch_until(lambda: not AlertDelivery.objects.filter(status="pending").exists())

    sub.refresh_from_db()
    assert sub.webhook_active is False
    assert "failing" in sub.webhook_disabled_reason
    statuses = sorted(AlertDelivery.objects.values_list("status", flat=True))
    assert statuses[0] == "failed"
    assert set(statuses) <= {"failed", "skipped"}
    assert DeliveryAttempt.objects.filter(ok=False).count() >= 2
    notices = [m for m in mail.outbox if "Webhook disabled" in m.subject]
    assert len(notices) == 1
    assert notices[0].to == [sub.user.email]
    assert sub.webhook_url in notices[0].body
    _say(city, quote="A third.")  # a disabled webhook gets no new deliveries
    assert not AlertDelivery.objects.filter(status="pending", channel="webhook").exists()


@override_settings(ALERTS_WEBHOOK_BACKOFF_SECONDS=30, ALERTS_WEBHOOK_BACKOFF_MAX_SECONDS=3600)
def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    waits = [backoff_seconds(n) for n in range(1, 12)]
    assert 24 <= waits[0] <= 36
    assert 48 <= waits[1] <= 72
    assert 96 <= waits[2] <= 144
    assert all(w <= 3600 * 1.2 for w in waits)
    assert waits[-1] >= 3600 * 0.8
    assert len({round(backoff_seconds(3), 6) for _ in range(20)}) > 1  # jittered


@override_settings(ALERTS_MAX_DELIVERIES_PER_DAY=2)
def test_the_daily_delivery_cap_skips_the_rest() -> None:
    city = JurisdictionFactory()
    with WebhookReceiver() as receiver:
        SubscriptionFactory(jurisdiction=city, email="off", webhook_url=receiver.url)
        for n in range(3):
            _say(city, quote=f"Statement {n}.")
        alerts_dispatch()
        assert len(receiver.requests) == 2
    skipped = AlertDelivery.objects.get(status="skipped")
    assert "limit of 2 deliveries a day" in skipped.last_error


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted"


@pytest.fixture
def smtp_server():
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=closed_port())
    controller.start()
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1", EMAIL_PORT=controller.port, EMAIL_USE_TLS=False,
            EMAIL_HOST_USER="", EMAIL_HOST_PASSWORD="", SITE_URL="https://tracker.example.org",
        ):  # fmt: skip
            yield inbox
    finally:
        controller.stop()


def test_an_email_arrives_with_subject_links_and_a_working_unsubscribe(smtp_server, client):
    city = JurisdictionFactory(name="Springfield")
    sub = SubscriptionFactory(jurisdiction=city, email="immediate", name="Springfield watch")
    statement = _say(city)
    alerts_dispatch()

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == sub.user.email
    assert message["Subject"].startswith(
        f"[Sanctuary funding tracker] New statement for {city.slug}"
    )
    text = message.get_content()
    assert f"https://tracker.example.org/jurisdictions/{city.slug}/" in text
    assert f"https://tracker.example.org/api/v1/statements/{statement.pk}/" in text
    assert "https://tracker.example.org/api/v1/jurisdictions/" in text
    unsubscribe = re.search(r"Unsubscribe from these emails: (\S+)", text).group(1)
    assert str(message["List-Unsubscribe"]).strip() == f"<{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert AlertDelivery.objects.get().status == "sent"

    path = urlsplit(unsubscribe).path
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 200  # one click, no login
    sub.refresh_from_db()
    assert sub.email == "off"
    _say(city, quote="Another statement.")
    alerts_dispatch()
    assert len(smtp_server.messages) == 1  # no more email...
    assert AlertEvent.objects.filter(subscription=sub).count() == 2  # ...the feed goes on


def test_a_daily_digest_gathers_a_users_events_in_one_email(smtp_server) -> None:
    city, other = JurisdictionFactory(), JurisdictionFactory()
    sub = SubscriptionFactory(jurisdiction=city, email="daily")
    SubscriptionFactory(user=sub.user, jurisdiction=other, email="daily")
    _say(city)
    _say(other)
    alerts_dispatch()
    assert smtp_server.messages == []  # digests wait for the daily job
    assert alerts_digest_send() == 1
    assert len(smtp_server.messages) == 1
    text = smtp_server.messages[0].get_content()
    assert city.slug in text
    assert other.slug in text
    assert text.count("Unsubscribe from") == 2
    assert set(AlertDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert alerts_digest_send() == 0


def test_a_mail_server_that_is_down_is_retried_not_a_crash() -> None:
    city = JurisdictionFactory()
    SubscriptionFactory(jurisdiction=city, email="immediate")
    _say(city)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                           EMAIL_HOST="127.0.0.1", EMAIL_PORT=closed_port()):  # fmt: skip
        summary = alerts_dispatch()
    assert summary.sent == 0
    assert summary.failed == 1
    delivery = AlertDelivery.objects.get()
    assert delivery.status == "pending"
    assert delivery.attempts == 1
    assert delivery.last_error
    assert Subscription.objects.get().email == "immediate"
