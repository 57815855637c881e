"""Draining the alert outbox: webhooks (signed, retried with backoff and jitter, disabled
after the retry window with an email to the owner), immediate emails and the daily digests.

A dispatch claims due deliveries with ``SKIP LOCKED`` and a lease (their next attempt moved
past the time a batch can take), sends them outside any transaction, then records each
result. Two dispatchers never send the same delivery; one killed mid-batch leaves its claims
to be taken again when the lease runs out (a webhook receiver drops repeats by the delivery
id).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.core import mail, signing
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from compliance.core.webhooks import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    signature_header,
    webhook_target,
)
from compliance.models import AlertDelivery, DeliveryAttempt, Subscription
from compliance.selectors.alerts import (
    day_start,
    deliveries_sent_since,
    event_document,
    event_summary,
    event_text,
    site_url,
)

logger = logging.getLogger(__name__)

# Deliveries one dispatch claims at a time.
BATCH_SIZE = 500
# Of a webhook receiver's answer, only this much is read.
ANSWER_LIMIT_BYTES = 64 * 1024
UNSUBSCRIBE_SALT = "compliance.alerts.unsubscribe"
SUBJECT_PREFIX = "[Sanctuary funding tracker] "

_pool: urllib3.PoolManager | None = None


def _http() -> urllib3.PoolManager:
    """One connection pool per process, as wide as the dispatch's concurrency."""
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(
            num_pools=64, maxsize=settings.ALERTS_WEBHOOK_CONCURRENCY, block=False,
            retries=False, headers={"User-Agent": "sanctuary-funding-tracker-alerts/1"},
        )  # fmt: skip
    return _pool


@dataclass(slots=True)
class Outcome:
    """The result of one attempt."""

    ok: bool
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0


@dataclass(frozen=True, slots=True)
class DispatchSummary:
    sent: int
    failed: int
    skipped: int
    next_due_in: float | None  # seconds until the next pending delivery is due


# --- Unsubscribe tokens ---------------------------------------------------------------------


def unsubscribe_token(subscription: Subscription) -> str:
    """A signed token that turns a subscription's email off, usable without logging in."""
    return signing.dumps({"s": subscription.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(subscription: Subscription) -> str:
    return site_url(
        reverse("alerts:unsubscribe", kwargs={"token": unsubscribe_token(subscription)})
    )


def subscription_from_token(token: str) -> Subscription | None:
    """The subscription a token names, or None for a bad or forged token."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    return Subscription.objects.filter(pk=data["s"]).first()


def subscription_unsubscribe(*, subscription: Subscription) -> Subscription:
    """Turn the subscription's email off (its pending emails are skipped)."""
    with transaction.atomic():
        subscription.email = Subscription.Email.OFF
        subscription.save(update_fields=["email", "updated_at"])
        AlertDelivery.objects.filter(
            subscription=subscription, channel=AlertDelivery.Channel.EMAIL,
            status=AlertDelivery.Status.PENDING,
        ).update(status=AlertDelivery.Status.SKIPPED, last_error="Unsubscribed.")  # fmt: skip
    return subscription


# --- Sending --------------------------------------------------------------------------------


def webhook_send(delivery: AlertDelivery) -> Outcome:
    """POST the event, signed, to the subscription's URL: 2xx is a success, anything else (a
    redirect too) a failure. The address is checked again first (DNS can change) and, in
    production, the connection goes to the very address checked; at most 64 KiB of the
    answer is read."""
    sub = delivery.subscription
    refusal, address = webhook_target(
        sub.webhook_url, allow_private=settings.ALERTS_WEBHOOK_ALLOW_PRIVATE
    )
    if refusal:
        return Outcome(ok=False, error=refusal)
    body = json.dumps(event_document(delivery.event, delivery=delivery), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature_header(secret=sub.webhook_secret, body=body),
        DELIVERY_HEADER: str(delivery.uuid),
        EVENT_HEADER: delivery.event.kind,
    }
    timeout = urllib3.Timeout(total=settings.ALERTS_WEBHOOK_TIMEOUT_SECONDS)
    started = time.monotonic()
    try:
        if address is None:
            response = _http().request(
                "POST", sub.webhook_url, body=body, headers=headers, redirect=False,
                timeout=timeout, preload_content=False,
            )  # fmt: skip
        else:
            parts = urlsplit(sub.webhook_url)
            host = parts.hostname or ""
            pool = _http().connection_from_host(
                address, port=parts.port or 443, scheme="https",
                pool_kwargs={"server_hostname": host, "assert_hostname": host},
            )  # fmt: skip
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            response = pool.urlopen(
                "POST", path, body=body, headers={**headers, "Host": parts.netloc},
                redirect=False, retries=False, timeout=timeout, preload_content=False,
            )  # fmt: skip
        response.read(ANSWER_LIMIT_BYTES)
        if response.length_remaining == 0:
            response.release_conn()  # read to the end: the connection is reused
        else:
            response.close()
    except Exception as error:  # the receiver is down, slow or refuses: a failed attempt
        return Outcome(ok=False, error=f"{type(error).__name__}: {error}"[:300],
                       duration_ms=int((time.monotonic() - started) * 1000))  # fmt: skip
    duration = int((time.monotonic() - started) * 1000)
    ok = 200 <= response.status < 300
    return Outcome(ok=ok, status_code=response.status, duration_ms=duration,
                   error="" if ok else f"HTTP {response.status}")  # fmt: skip


def webhooks_send(deliveries: Sequence[AlertDelivery]) -> dict[int, Outcome]:
    """Send webhooks concurrently; one still unanswered when the batch's time is up (a
    receiver trickling its answer) is a failed attempt, and the batch goes on without it."""
    if not deliveries:
        return {}
    pool = ThreadPoolExecutor(max_workers=settings.ALERTS_WEBHOOK_CONCURRENCY)
    futures = {pool.submit(webhook_send, d): d.pk for d in deliveries}
    waves = -(-len(deliveries) // max(settings.ALERTS_WEBHOOK_CONCURRENCY, 1))
    deadline = settings.ALERTS_WEBHOOK_TIMEOUT_SECONDS * (waves + 2)
    done, _ = wait(futures, timeout=deadline)
    pool.shutdown(wait=False, cancel_futures=True)
    outcomes = {}
    for future, pk in futures.items():
        if future in done:
            outcomes[pk] = future.result()
        else:
            outcomes[pk] = Outcome(ok=False, error="No complete answer in time.")
    return outcomes


def _email(delivery: AlertDelivery, connection: Any) -> mail.EmailMessage:
    sub = delivery.subscription
    unsubscribe = unsubscribe_url(sub)
    body = (
        f"{event_text(delivery.event)}\n\n"
        f"Subscription: {sub} (manage at {site_url(reverse('alerts:index'))})\n"
        f"Unsubscribe from these emails: {unsubscribe}\n"
    )
    return mail.EmailMessage(
        subject=(SUBJECT_PREFIX + event_summary(delivery.event))[:200],  # one line
        body=body, to=[sub.user.email], connection=connection,
        headers={"List-Unsubscribe": f"<{unsubscribe}>",
                 "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )  # fmt: skip


def emails_send(deliveries: Sequence[AlertDelivery]) -> dict[int, Outcome]:
    """Send immediate emails over one connection; a user without an address is skipped."""
    outcomes: dict[int, Outcome] = {}
    if not deliveries:
        return outcomes
    try:
        connection = mail.get_connection(fail_silently=False)
        connection.open()
    except Exception as error:
        return {d.pk: Outcome(ok=False, error=f"Mail server: {error}"[:300]) for d in deliveries}
    try:
        for delivery in deliveries:
            started = time.monotonic()
            try:
                sent = _email(delivery, connection).send()
            except Exception as error:
                outcomes[delivery.pk] = Outcome(ok=False, error=f"{error}"[:300])
                continue
            outcomes[delivery.pk] = Outcome(
                ok=bool(sent), duration_ms=int((time.monotonic() - started) * 1000),
                error="" if sent else "Not sent.",
            )  # fmt: skip
    finally:
        try:
            connection.close()
        except Exception:
            logger.exception("Could not close the mail connection")
    return outcomes


# --- The dispatch ---------------------------------------------------------------------------


def _claim(now: datetime) -> tuple[list[AlertDelivery], datetime]:
    """Take due deliveries no other dispatcher holds, and lease them: their next attempt moves
    past the longest the batch can take (the webhooks' deadline, the emails' timeouts one
    after another). The lease's moment is the claim: results are written only where it is
    still in place."""
    with transaction.atomic():
        claimed = list(
            AlertDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=AlertDelivery.Status.PENDING, digest=False, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("pk", "channel")[:BATCH_SIZE]
        )
        hooks = sum(1 for _, channel in claimed if channel == AlertDelivery.Channel.WEBHOOK)
        waves = -(-hooks // max(settings.ALERTS_WEBHOOK_CONCURRENCY, 1))
        seconds = (
            60 + settings.ALERTS_WEBHOOK_TIMEOUT_SECONDS * (waves + 2)
            + settings.EMAIL_TIMEOUT * (len(claimed) - hooks + 1)
        )  # fmt: skip
        lease = now + timedelta(seconds=seconds, microseconds=random.randrange(1_000_000))
        ids = [pk for pk, _ in claimed]
        if ids:
            AlertDelivery.objects.filter(pk__in=ids).update(next_attempt_at=lease)
    rows = list(
        AlertDelivery.objects.filter(pk__in=ids)
        .select_related(
            "event__subscription__jurisdiction", "subscription__user", "subscription__jurisdiction"
        )
        .order_by("pk")
    )
    return rows, lease


def backoff_seconds(attempts: int) -> float:
    """The wait after the ``attempts``-th failure: doubling from the base, capped, jittered
    by up to a fifth either way (so failing receivers are not retried in lockstep)."""
    base = settings.ALERTS_WEBHOOK_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0)
    return min(base, settings.ALERTS_WEBHOOK_BACKOFF_MAX_SECONDS) * random.uniform(0.8, 1.2)


def alerts_dispatch() -> DispatchSummary:
    """Send every due delivery (batch after batch) and record the results."""
    sent = failed = skipped = 0
    while True:
        now = timezone.now()
        batch, lease = _claim(now)
        if not batch:
            break
        counts = _dispatch_batch(batch, now=now, lease=lease)
        sent, failed, skipped = sent + counts[0], failed + counts[1], skipped + counts[2]
        if len(batch) < BATCH_SIZE:
            break
    upcoming = (
        AlertDelivery.objects.filter(status=AlertDelivery.Status.PENDING, digest=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    due_in = None if upcoming is None else max((upcoming - timezone.now()).total_seconds(), 0)
    return DispatchSummary(sent=sent, failed=failed, skipped=skipped, next_due_in=due_in)


def _dispatch_batch(
    batch: list[AlertDelivery], *, now: datetime, lease: datetime
) -> tuple[int, int, int]:
    users = sorted({d.subscription.user_id for d in batch})
    used = deliveries_sent_since(user_ids=users, since=day_start(now))
    cap = settings.ALERTS_MAX_DELIVERIES_PER_DAY
    to_send: list[AlertDelivery] = []
    over_cap: list[int] = []
    unwanted: dict[int, str] = {}
    for delivery in batch:
        sub = delivery.subscription
        if delivery.channel == AlertDelivery.Channel.WEBHOOK and not (
            sub.webhook_url and sub.webhook_active
        ):
            unwanted[delivery.pk] = "The webhook is off."
            continue
        if delivery.channel == AlertDelivery.Channel.EMAIL and not sub.user.email:
            unwanted[delivery.pk] = "The account has no email address."
            continue
        if delivery.channel == AlertDelivery.Channel.EMAIL and sub.email == "off":
            unwanted[delivery.pk] = "Email is off."
            continue
        user_id = sub.user_id
        if used.get(user_id, 0) >= cap:
            over_cap.append(delivery.pk)
            continue
        used[user_id] = used.get(user_id, 0) + 1
        to_send.append(delivery)
    if over_cap:
        AlertDelivery.objects.filter(pk__in=over_cap).update(
            status=AlertDelivery.Status.SKIPPED,
            last_error=f"Over the limit of {cap} deliveries a day.",
        )
    for reason in set(unwanted.values()):  # one update per reason
        AlertDelivery.objects.filter(
            pk__in=[pk for pk, why in unwanted.items() if why == reason]
        ).update(status=AlertDelivery.Status.SKIPPED, last_error=reason)
    hooks = [d for d in to_send if d.channel == AlertDelivery.Channel.WEBHOOK]
    emails = [d for d in to_send if d.channel == AlertDelivery.Channel.EMAIL]
    outcomes = webhooks_send(hooks)
    outcomes.update(emails_send(emails))
    sent, failed = _results_record(to_send, outcomes, at=now, lease=lease)
    return sent, failed, len(over_cap) + len(unwanted)


def _results_record(
    deliveries: Sequence[AlertDelivery], outcomes: dict[int, Outcome], *, at: datetime,
    lease: datetime,
) -> tuple[int, int]:  # fmt: skip
    """Write the attempts and each delivery's new state; give up past the retry window (and
    disable a webhook that gave up, telling its owner)."""
    window = timedelta(seconds=settings.ALERTS_WEBHOOK_RETRY_SECONDS)
    finished = timezone.now()
    attempts, updated, given_up = [], [], []
    sent = 0
    for delivery in deliveries:
        outcome = outcomes[delivery.pk]
        attempts.append(DeliveryAttempt(
            delivery=delivery, attempted_at=at, ok=outcome.ok, status_code=outcome.status_code,
            error=outcome.error[:300], duration_ms=outcome.duration_ms,
        ))  # fmt: skip
        delivery.attempts += 1
        delivery.first_attempt_at = delivery.first_attempt_at or at
        if outcome.ok:
            delivery.status, delivery.sent_at, delivery.last_error = "sent", finished, ""
            sent += 1
        elif finished - delivery.first_attempt_at >= window:
            delivery.status, delivery.last_error = "failed", outcome.error[:300]
            given_up.append(delivery)
        else:
            delivery.last_error = outcome.error[:300]
            delivery.next_attempt_at = finished + timedelta(
                seconds=backoff_seconds(delivery.attempts)
            )
        updated.append(delivery)
    with transaction.atomic():
        # Only rows still under this claim: not deleted meanwhile, not taken by another
        # dispatcher after the lease ran out.
        kept = _deliveries_save(updated, lease=lease)
        DeliveryAttempt.objects.bulk_create(
            [a for a in attempts if a.delivery_id in kept], batch_size=1_000
        )
        for delivery in given_up:
            if delivery.pk not in kept:
                continue
            if delivery.channel == AlertDelivery.Channel.WEBHOOK:
                webhook_disable(subscription=delivery.subscription, reason=delivery.last_error)
    return sent, len(deliveries) - sent


_DELIVERIES_SAVE_SQL = """
UPDATE compliance_alertdelivery AS d SET
    status = v.status, attempts = v.attempts, first_attempt_at = v.first_attempt_at,
    sent_at = v.sent_at, last_error = v.last_error, next_attempt_at = v.next_attempt_at
FROM unnest(%s::bigint[], %s::varchar[], %s::int[], %s::timestamptz[], %s::timestamptz[],
            %s::varchar[], %s::timestamptz[])
     AS v(id, status, attempts, first_attempt_at, sent_at, last_error, next_attempt_at)
WHERE d.id = v.id AND d.status = 'pending' AND d.next_attempt_at = %s
RETURNING d.id
"""
_SAVED_FIELDS = ("status", "attempts", "first_attempt_at", "sent_at", "last_error",
                 "next_attempt_at")  # fmt: skip


def _deliveries_save(deliveries: Sequence[AlertDelivery], *, lease: datetime) -> set[int]:
    """Write the new states of many deliveries in one statement, where the claim still
    holds; returns the ids written."""
    if not deliveries:
        return set()
    if connection.vendor != "postgresql":
        held = set(
            AlertDelivery.objects.select_for_update()
            .filter(pk__in=[d.pk for d in deliveries], status="pending", next_attempt_at=lease)
            .values_list("pk", flat=True)
        )
        AlertDelivery.objects.bulk_update(
            [d for d in deliveries if d.pk in held], _SAVED_FIELDS, batch_size=500
        )
        return held
    columns: list[Any] = [[d.pk for d in deliveries]]
    columns += [[getattr(d, name) for d in deliveries] for name in _SAVED_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_DELIVERIES_SAVE_SQL, [*columns, lease])
        return {row[0] for row in cursor.fetchall()}


def webhook_disable(*, subscription: Subscription, reason: str) -> bool:
    """Turn a subscription's webhook off after its deliveries failed for the whole retry
    window, skip its other pending webhook deliveries and email its owner. Returns whether
    it was on."""
    changed = Subscription.objects.filter(pk=subscription.pk, webhook_active=True).update(
        webhook_active=False,
        webhook_disabled_reason=f"Disabled on {timezone.now():%Y-%m-%d %H:%M} UTC after "
        f"failing for {settings.ALERTS_WEBHOOK_RETRY_SECONDS // 3600 or 1} h: {reason}"[:300],
        updated_at=timezone.now(),
    )
    if not changed:
        return False
    AlertDelivery.objects.filter(
        subscription=subscription, channel=AlertDelivery.Channel.WEBHOOK,
        status=AlertDelivery.Status.PENDING,
    ).update(status=AlertDelivery.Status.SKIPPED, last_error="Webhook disabled.")  # fmt: skip
    user = subscription.user
    if user.email:
        manage = site_url(reverse("alerts:index"))
        message = mail.EmailMessage(
            subject=" ".join(f"{SUBJECT_PREFIX}Webhook disabled for {subscription}".split())[:200],
            body=(
                f"Deliveries to {subscription.webhook_url} failed for the whole retry window, "
                f"so the webhook of your subscription {subscription} is now disabled.\n\n"
                f"Last error: {reason}\n\nTurn it on again (and send a test event) at {manage}\n"
            ),
            to=[user.email],
        )
        transaction.on_commit(lambda: _send_quietly(message))
    return True


def _send_quietly(message: mail.EmailMessage) -> None:
    try:
        message.send()
    except Exception:
        logger.exception("Could not send the webhook-disabled notice to %s", message.to)


# --- Daily digests --------------------------------------------------------------------------


def alerts_digest_send() -> int:
    """One email per user with their pending digest deliveries. Returns the emails sent."""
    pending = (
        AlertDelivery.objects.filter(status=AlertDelivery.Status.PENDING, digest=True)
        .select_related(
            "event__subscription__jurisdiction", "subscription__user", "subscription__jurisdiction"
        )
        .order_by("subscription__user_id", "subscription_id", "created_at", "id")
    )
    by_user: dict[int, list[AlertDelivery]] = {}
    unwanted = []
    for delivery in pending:
        sub = delivery.subscription
        if sub.email != Subscription.Email.DAILY or not sub.user.email:
            unwanted.append(delivery.pk)
            continue
        by_user.setdefault(sub.user_id, []).append(delivery)
    AlertDelivery.objects.filter(pk__in=unwanted).update(
        status=AlertDelivery.Status.SKIPPED, last_error="No digest email wanted or no address."
    )
    sent = 0
    for deliveries in by_user.values():
        with transaction.atomic():  # a second digest run at once skips what this one holds
            held = set(
                AlertDelivery.objects.select_for_update(skip_locked=True)
                .filter(pk__in=[d.pk for d in deliveries], status=AlertDelivery.Status.PENDING)
                .values_list("pk", flat=True)
            )
            deliveries = [d for d in deliveries if d.pk in held]
            if deliveries and _digest_send(deliveries):
                sent += 1
    return sent


def _digest_send(deliveries: list[AlertDelivery]) -> bool:
    """Send one user's digest and mark its deliveries; a failure is noted for the next day."""
    user = deliveries[0].subscription.user
    sections = []
    seen: dict[int, Subscription] = {}
    for delivery in deliveries:
        seen.setdefault(delivery.subscription_id, delivery.subscription)
        sections.append(event_text(delivery.event))
    footer = "\n".join(f"Unsubscribe from {sub}: {unsubscribe_url(sub)}" for sub in seen.values())
    headers = {}
    if len(seen) == 1:
        only = next(iter(seen.values()))
        headers = {"List-Unsubscribe": f"<{unsubscribe_url(only)}>",
                   "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}  # fmt: skip
    ids = [d.pk for d in deliveries]
    now = timezone.now()
    try:
        mail.EmailMessage(
            subject=f"{SUBJECT_PREFIX}{len(deliveries)} alerts today",
            body="\n\n----\n\n".join(sections) + f"\n\n----\n{footer}\n", to=[user.email],
            headers=headers,
        ).send()  # fmt: skip
    except Exception as error:
        logger.exception("Could not send the digest to user %s", user.pk)
        AlertDelivery.objects.filter(pk__in=ids).update(last_error=f"{error}"[:300])
        return False
    AlertDelivery.objects.filter(pk__in=ids).update(
        status=AlertDelivery.Status.SENT, sent_at=now, attempts=1, first_attempt_at=now
    )
    return True
