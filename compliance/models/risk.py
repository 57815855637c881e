"""The history of risk assessments, and the stored timelines (per jurisdiction and national)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ..choices import RiskLevel
from ..risk.weights import LEVELS


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
    data_gaps = models.JSONField(default=list, help_text="What the figures lacked.")
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


class RiskTimelinePoint(models.Model):
    """A jurisdiction's figures as the records stood on one date: one point of its timeline.

    Points fall on every date an input changes (a statement, an action's issue or status
    change, a stance change, a figure's publication, the turn of a fiscal year) and on the
    first of every month between, from its earliest record to today. The pipeline keeps them
    current; ``events`` lists what changed on the date.
    """

    jurisdiction = models.ForeignKey(
        to="jurisdictions.Jurisdiction", on_delete=models.CASCADE, related_name="timeline"
    )
    on = models.DateField()
    # The jurisdiction's state and kind when the point was written: the national totals
    # (TimelineTotal) it was counted in.
    state = models.CharField(max_length=2)
    kind = models.CharField(max_length=16)
    method_version = models.CharField(max_length=20)
    exposure_usd = models.BigIntegerField()
    max_at_risk_usd = models.BigIntegerField()
    funding_at_risk_usd = models.BigIntegerField()
    score = models.PositiveSmallIntegerField()
    level = models.CharField(max_length=16, choices=RiskLevel.choices)
    stance = models.CharField(max_length=16)
    data_gaps = models.JSONField(default=list)
    events = models.JSONField(default=list, help_text="[{type, id, label}] of the date.")

    class Meta:
        ordering = ("jurisdiction", "on")
        verbose_name = "timeline point"
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "on"], name="%(app_label)s_%(class)s_unique_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.jurisdiction_id} {self.on}: ${self.funding_at_risk_usd:,}"


# The summed columns of TimelineTotal, in order: a jurisdiction counted, its money, its level
# (one of the level columns) and whether it has no award data.
TOTAL_COLUMNS = (
    "jurisdictions", "exposure_usd", "max_at_risk_usd", "funding_at_risk_usd",
    *(f"level_{level}" for level in LEVELS), "no_awards",
)  # fmt: skip


class TimelineTotal(models.Model):
    """National timeline, kept as changes: on each date, how the sums over the jurisdictions
    of one state, kind and stance (on that date) moved. The totals on a date are the running
    sums up to it; filters by state, kind or stance select rows before summing. The recompute
    adds and subtracts these changes in the transaction that rewrites a timeline."""

    on = models.DateField()
    state = models.CharField(max_length=2)
    kind = models.CharField(max_length=16)
    stance = models.CharField(max_length=16)
    jurisdictions = models.BigIntegerField(default=0)
    exposure_usd = models.BigIntegerField(default=0)
    max_at_risk_usd = models.BigIntegerField(default=0)
    funding_at_risk_usd = models.BigIntegerField(default=0)
    level_none = models.BigIntegerField(default=0)
    level_low = models.BigIntegerField(default=0)
    level_elevated = models.BigIntegerField(default=0)
    level_high = models.BigIntegerField(default=0)
    level_severe = models.BigIntegerField(default=0)
    no_awards = models.BigIntegerField(default=0)

    class Meta:
        ordering = ("on", "state", "kind", "stance")
        verbose_name = "national timeline change"
        constraints = [
            models.UniqueConstraint(
                fields=["on", "state", "kind", "stance"], name="%(app_label)s_%(class)s_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.state} {self.kind} {self.stance}"
