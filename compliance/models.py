"""Statements, federal actions and the history of risk assessments."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from jurisdictions.choices import DatePrecision

from .choices import ActionEffect, ActionKind, ActionStatus, RiskLevel, StatementPosition

QUOTE_MAX_LENGTH = 5000


class Statement(models.Model):
    """What an official (or a named speaker) said on a date, verbatim, with its source."""

    jurisdiction = models.ForeignKey(
        to="jurisdictions.Jurisdiction", on_delete=models.PROTECT, related_name="statements"
    )
    official = models.ForeignKey(
        to="jurisdictions.Official",
        on_delete=models.PROTECT,
        related_name="statements",
        null=True,
        blank=True,
    )
    speaker = models.CharField(max_length=200, help_text="Who spoke, as the source names them.")
    speaker_role = models.CharField(max_length=120, blank=True)
    said_on = models.DateField(db_index=True)
    date_precision = models.CharField(
        max_length=16, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    quote = models.TextField(max_length=QUOTE_MAX_LENGTH, help_text="Verbatim words only.")
    context = models.TextField(blank=True)
    position = models.CharField(max_length=16, choices=StatementPosition.choices, db_index=True)
    source_url = models.URLField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("-said_on", "-id")
        verbose_name = "statement"
        indexes = [
            models.Index(fields=["jurisdiction", "said_on"], name="compliance_stmt_juris_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source_url=""), name="%(app_label)s_%(class)s_has_source"
            ),
            models.CheckConstraint(
                condition=~Q(quote=""), name="%(app_label)s_%(class)s_has_quote"
            ),
            models.CheckConstraint(
                condition=Q(position__in=StatementPosition.values),
                name="%(app_label)s_%(class)s_position_valid",
            ),
        ]

    def __str__(self) -> str:
        quote = self.quote if len(self.quote) <= 60 else self.quote[:57] + "..."
        return f"{self.speaker}, {self.said_on}: “{quote}”"

    def clean(self) -> None:
        super().clean()
        if (
            self.official is not None
            and self.jurisdiction_id
            and self.official.jurisdiction_id != self.jurisdiction_id
        ):
            raise ValidationError(
                {"official": "This official holds office in another jurisdiction."}
            )


class FederalAction(models.Model):
    """A DOJ notice or other federal move that bears on funding, with its targets and programs.

    An action reaches its listed ``targets`` and, when ``targets_all_sanctuary`` is set, every
    jurisdiction whose stance is sanctuary or partial. It covers its listed ``programs``, or
    every program when ``covers_all_programs`` is set.
    """

    kind = models.CharField(
        max_length=24,
        choices=ActionKind.choices,
        db_index=True,
        help_text="“Other” covers memos, remarks, hearings and meetings.",
    )
    issuing_body = models.CharField(max_length=300)
    title = models.CharField(max_length=500)
    issued_on = models.DateField(db_index=True)
    date_precision = models.CharField(
        max_length=16, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    summary = models.TextField(blank=True)
    effect = models.CharField(max_length=16, choices=ActionEffect.choices, db_index=True)
    status = models.CharField(
        max_length=16,
        choices=ActionStatus.choices,
        default=ActionStatus.IN_EFFECT,
        db_index=True,
    )
    status_since = models.DateField(
        null=True, blank=True, help_text="When the current status took effect, if known."
    )
    targets = models.ManyToManyField(
        to="jurisdictions.Jurisdiction", related_name="federal_actions", blank=True
    )
    targets_all_sanctuary = models.BooleanField(
        default=False,
        help_text="Reaches every jurisdiction whose stance is sanctuary or partial.",
    )
    programs = models.ManyToManyField(
        to="grants.GrantProgram", related_name="federal_actions", blank=True
    )
    covers_all_programs = models.BooleanField(
        default=False, help_text="Reaches every federal program, not only the listed ones."
    )
    programs_text = models.CharField(
        "programs as the source words them", max_length=500, blank=True
    )
    notes = models.TextField(blank=True)
    effect_rationale = models.TextField(blank=True)
    source_url = models.URLField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords(m2m_fields=[targets, programs])

    class Meta:
        ordering = ("-issued_on", "-id")
        verbose_name = "federal action"
        indexes = [
            models.Index(
                fields=["targets_all_sanctuary", "issued_on"], name="compliance_action_allsanc_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source_url=""), name="%(app_label)s_%(class)s_has_source"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ActionKind.values), name="%(app_label)s_%(class)s_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(effect__in=ActionEffect.values),
                name="%(app_label)s_%(class)s_effect_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status_since__isnull=True) | Q(status_since__gte=models.F("issued_on")),
                name="%(app_label)s_%(class)s_status_after_issue",
            ),
            models.UniqueConstraint(
                fields=["issued_on", "title"], name="%(app_label)s_%(class)s_unique_title_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issued_on} {self.title}"

    def clean(self) -> None:
        super().clean()
        if self.status_since and self.issued_on and self.status_since < self.issued_on:
            raise ValidationError({"status_since": "A status cannot start before the action."})


class RiskAssessment(models.Model):
    """One computed snapshot of a jurisdiction's funding at risk; the rows form its history.

    A new row is written only when the result differs from the jurisdiction's latest one
    (compare ``fingerprint``), so the history records changes, not recomputations.
    """

    jurisdiction = models.ForeignKey(
        to="jurisdictions.Jurisdiction", on_delete=models.CASCADE, related_name="assessments"
    )
    computed_at = models.DateTimeField(db_index=True)
    as_of = models.DateField()
    method_version = models.CharField(max_length=20)
    exposure_usd = models.BigIntegerField()
    max_at_risk_usd = models.BigIntegerField()
    funding_at_risk_usd = models.BigIntegerField()
    score = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=16, choices=RiskLevel.choices)
    stance = models.CharField(max_length=16)
    programs = models.JSONField(default=list, help_text="Per-program breakdown.")
    drivers = models.JSONField(default=list, help_text="Evidence with contributions.")
    fingerprint = models.CharField(max_length=64)

    class Meta:
        ordering = ("jurisdiction", "computed_at", "id")
        verbose_name = "risk assessment"
        get_latest_by = "computed_at"
        # Queueing recomputes from the admin ("recompute now") is an editor's right.
        permissions = [("recompute_riskassessment", "Can queue a recompute of funding at risk")]
        indexes = [
            models.Index(
                fields=["jurisdiction", "-computed_at"], name="compliance_assess_latest_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(funding_at_risk_usd__gte=0)
                & Q(funding_at_risk_usd__lte=models.F("max_at_risk_usd"))
                & Q(max_at_risk_usd__lte=models.F("exposure_usd")),
                name="%(app_label)s_%(class)s_bounds",
            ),
            models.CheckConstraint(
                condition=Q(score__lte=100), name="%(app_label)s_%(class)s_score_range"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.jurisdiction} {self.computed_at:%Y-%m-%d %H:%M}: "
            f"${self.funding_at_risk_usd:,} ({self.level})"
        )
