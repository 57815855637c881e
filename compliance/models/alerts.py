"""Alerts: what a user follows (a subscription), what happened to it (an event, written in the
same transaction as the change that caused it: the outbox), and each channel's delivery of an
event with its attempts (the log the user reads)."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from jurisdictions.choices import RiskLevel


def new_secret() -> str:
    """A random secret for a webhook signature or a feed address (256 bits)."""
    return secrets.token_urlsafe(32)


class Subscription(models.Model):
    """Something a user follows, and how they want to hear about it."""

    class Kind(models.TextChoices):
        JURISDICTION = "jurisdiction", "A jurisdiction"
        SEARCH = "search", "A saved search"
        RANKING = "ranking", "The national ranking"

    class RecordType(models.TextChoices):
        STATEMENTS = "statements", "Statements"
        FEDERAL_ACTIONS = "federal-actions", "Federal actions"

    class Email(models.TextChoices):
        OFF = "off", "No email"
        IMMEDIATE = "immediate", "At once"
        DAILY = "daily", "Daily digest"

    user = models.ForeignKey(
        to=settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    name = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    jurisdiction = models.ForeignKey(
        to="jurisdictions.Jurisdiction",
        on_delete=models.CASCADE,
        related_name="subscriptions",
        null=True,
        blank=True,
        help_text="Followed jurisdiction (kind jurisdiction).",
    )
    threshold_usd = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="A change of funding at risk of at least this many dollars is an event.",
    )
    threshold_percent = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="A change of funding at risk of at least this percent is an event.",
    )
    record_type = models.CharField(
        max_length=16, choices=RecordType.choices, blank=True, help_text="Searched records."
    )
    query = models.JSONField(
        default=dict, blank=True, help_text="The search: the API's filter parameters."
    )
    level = models.CharField(
        max_length=16,
        choices=RiskLevel.choices,
        blank=True,
        help_text="Jurisdictions entering or leaving this level (kind ranking).",
    )
    email = models.CharField(max_length=16, choices=Email.choices, default=Email.IMMEDIATE)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=64, default=new_secret)
    webhook_active = models.BooleanField(default=True)
    webhook_disabled_reason = models.CharField(max_length=300, blank=True)
    feed_token = models.CharField(max_length=64, default=new_secret, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords(excluded_fields=["webhook_secret", "feed_token"])

    class Meta:
        ordering = ("user", "id")
        indexes = [
            models.Index(
                fields=["jurisdiction"],
                name="compliance_sub_juris_idx",
                condition=Q(kind="jurisdiction"),
            ),
            models.Index(fields=["kind", "record_type"], name="compliance_sub_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="jurisdiction") | Q(jurisdiction__isnull=False),
                name="%(app_label)s_%(class)s_jurisdiction_named",
            ),
            models.CheckConstraint(
                condition=~Q(kind="search") | ~Q(record_type=""),
                name="%(app_label)s_%(class)s_search_typed",
            ),
            models.CheckConstraint(
                condition=~Q(kind="ranking") | ~Q(level=""),
                name="%(app_label)s_%(class)s_ranking_level",
            ),
            models.CheckConstraint(
                condition=Q(threshold_usd__isnull=True) | Q(threshold_usd__gte=0),
                name="%(app_label)s_%(class)s_threshold_usd",
            ),
        ]

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.kind == self.Kind.JURISDICTION and self.jurisdiction_id:
            return f"Jurisdiction {self.jurisdiction.name}"  # type: ignore[union-attr]
        if self.kind == self.Kind.SEARCH:
            return f"Search of {self.get_record_type_display().lower()} #{self.pk}"
        if self.kind == self.Kind.RANKING:
            return f"Ranking level {self.level}"
        return f"{self.get_kind_display()} #{self.pk}"


class AlertEvent(models.Model):
    """Something that happened to a subscription's subject: a new record, a stance or level
    change, a funding change past the threshold, a jurisdiction entering or leaving a level,
    or a test. Written in the transaction of the change (never for one that rolled back);
    ``payload`` carries what changed, before and after."""

    class Kind(models.TextChoices):
        RECORD = "record", "New record"
        FIGURES = "figures", "Figures changed"
        RANKING = "ranking", "Ranking changed"
        TEST = "test", "Test event"

    # Indexed by (subscription, -created_at) below.
    subscription = models.ForeignKey(
        to=Subscription, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    jurisdiction = models.ForeignKey(
        to="jurisdictions.Jurisdiction",
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )
    record_type = models.CharField(max_length=16, blank=True)
    record_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="compliance_event_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.subscription_id} at {self.created_at:%Y-%m-%d}"


class AlertDelivery(models.Model):
    """One event sent (or to be sent) on one channel. ``uuid`` is the delivery id a webhook
    receiver can use to drop duplicates; pending rows are the outbox the dispatcher drains."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        SKIPPED = "skipped", "Skipped"

    event = models.ForeignKey(to=AlertEvent, on_delete=models.CASCADE, related_name="deliveries")
    # Indexed by (subscription, -created_at) below.
    subscription = models.ForeignKey(
        to=Subscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    digest = models.BooleanField(default=False, help_text="Waits for the daily digest.")
    uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "alert deliveries"
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="compliance_deliv_due_idx",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["subscription", "-created_at"], name="compliance_deliv_sub_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery {self.uuid} ({self.status})"


class DeliveryAttempt(models.Model):
    """One try at a delivery: when, how long, and the receiver's answer or the error."""

    delivery = models.ForeignKey(
        to=AlertDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    attempted_at = models.DateTimeField()
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("delivery", "attempted_at", "id")

    def __str__(self) -> str:
        return f"attempt on {self.delivery_id}: {'ok' if self.ok else 'failed'}"
