"""Statements and federal actions, with an action's dated status history and the blocks an
injunction or rescission places on other actions.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from compliance.core.validators import CleanTextMixin, http_url, past_date
from jurisdictions.choices import DatePrecision

from ..choices import ActionEffect, ActionKind, ActionStatus, StatementPosition
from ..risk.weights import PROTECTIVE_EFFECTS

QUOTE_MAX_LENGTH = 5000


class Statement(CleanTextMixin, models.Model):
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
    said_on = models.DateField(db_index=True, validators=[past_date])
    date_precision = models.CharField(
        max_length=16, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    quote = models.TextField(
        max_length=QUOTE_MAX_LENGTH,
        validators=[MaxLengthValidator(QUOTE_MAX_LENGTH)],
        help_text="Verbatim words only.",
    )
    context = models.TextField(blank=True)
    position = models.CharField(max_length=16, choices=StatementPosition.choices, db_index=True)
    source_url = models.URLField(max_length=1000, validators=[http_url])
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


class FederalAction(CleanTextMixin, models.Model):
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
    issued_on = models.DateField(db_index=True, validators=[past_date])
    date_precision = models.CharField(
        max_length=16, choices=DatePrecision.choices, default=DatePrecision.DAY
    )
    summary = models.TextField(blank=True)
    effect = models.CharField(max_length=16, choices=ActionEffect.choices, db_index=True)
    status = models.CharField(
        "current status",
        max_length=16,
        choices=ActionStatus.choices,
        default=ActionStatus.IN_EFFECT,
        db_index=True,
        editable=False,
        help_text="The status today, from the dated status history (written by the services).",
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
    source_url = models.URLField(max_length=1000, validators=[http_url])
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
            models.UniqueConstraint(
                fields=["issued_on", "title"], name="%(app_label)s_%(class)s_unique_title_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issued_on} {self.title}"


class FederalActionStatus(CleanTextMixin, models.Model):
    """A change of a federal action's status from a date on (it is in effect from its own date
    until its first change).

    When a recorded ruling or rescission caused the change, ``caused_by`` names it and the
    change takes that record's date and source (nothing is typed twice); otherwise the change
    carries its own date and source. ``listed_only``: from this date the action applies only
    to the jurisdictions it lists (a nationwide order narrowed to the plaintiffs).
    """

    action = models.ForeignKey(
        to="compliance.FederalAction", on_delete=models.CASCADE, related_name="status_changes"
    )
    status = models.CharField(max_length=16, choices=ActionStatus.choices)
    effective_from = models.DateField(
        null=True,
        blank=True,
        validators=[past_date],
        help_text="Empty when the cause's own date applies.",
    )
    date_precision = models.CharField(max_length=16, choices=DatePrecision.choices, blank=True)
    listed_only = models.BooleanField(
        "applies to listed targets only",
        default=False,
        help_text="From this date the action reaches only the jurisdictions it lists.",
    )
    caused_by = models.ForeignKey(
        to="compliance.FederalAction",
        on_delete=models.PROTECT,
        related_name="caused_status_changes",
        null=True,
        blank=True,
        help_text="The recorded ruling or rescission that made the change.",
    )
    source_url = models.URLField(max_length=1000, blank=True, validators=[http_url])
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("action", "effective_from", "id")
        verbose_name = "status change"
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_from__isnull=False) | Q(caused_by__isnull=False),
                name="%(app_label)s_%(class)s_dated",
            ),
            models.CheckConstraint(
                condition=~Q(source_url="") | Q(caused_by__isnull=False),
                name="%(app_label)s_%(class)s_has_source",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(caused_by=models.F("action")),
                name="%(app_label)s_%(class)s_not_its_own_cause",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} from {self.on}"

    @property
    def on(self) -> date | None:
        """The date of the change: its own, or its cause's."""
        if self.effective_from is not None:
            return self.effective_from
        return self.caused_by.issued_on if self.caused_by is not None else None

    @property
    def source(self) -> str:
        """Where the change is documented: its own source, or its cause's."""
        if self.source_url:
            return self.source_url
        return self.caused_by.source_url if self.caused_by is not None else ""

    def clean(self) -> None:
        super().clean()
        if self.caused_by_id and self.caused_by_id == self.action_id:
            raise ValidationError({"caused_by": "An action cannot change its own status."})
        if self.effective_from is None and not self.caused_by_id:
            raise ValidationError(
                {"effective_from": "Give the date of the change, or the ruling that made it."}
            )
        if not self.source_url and not self.caused_by_id:
            raise ValidationError(
                {"source_url": "Give the source of the change, or the ruling that made it."}
            )
        if self.effective_from and not self.date_precision:
            self.date_precision = DatePrecision.DAY
        on = self.on
        if on and self.action_id and on < self.action.issued_on:
            raise ValidationError(
                {"effective_from": "A status cannot change before the action was issued."}
            )


class ActionBlock(CleanTextMixin, models.Model):
    """What an injunction or rescission blocks: one adverse action, on the listed programs (on
    every program that action covers when none are listed). It protects the jurisdictions the
    protective action reaches: its listed plaintiffs, or everyone for a nationwide order."""

    protector = models.ForeignKey(
        to="compliance.FederalAction", on_delete=models.CASCADE, related_name="blocks"
    )
    blocked = models.ForeignKey(
        to="compliance.FederalAction", on_delete=models.CASCADE, related_name="blocked_by"
    )
    programs = models.ManyToManyField(to="grants.GrantProgram", related_name="+", blank=True)
    notes = models.TextField(blank=True)
    history = HistoricalRecords(m2m_fields=[programs])

    class Meta:
        ordering = ("protector", "blocked")
        verbose_name = "blocked action"
        constraints = [
            models.UniqueConstraint(
                fields=["protector", "blocked"], name="%(app_label)s_%(class)s_unique_pair"
            ),
            models.CheckConstraint(
                condition=~Q(protector=models.F("blocked")),
                name="%(app_label)s_%(class)s_not_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.protector} blocks {self.blocked}"

    def clean(self) -> None:
        super().clean()
        if self.protector_id and self.protector.effect not in PROTECTIVE_EFFECTS:
            raise ValidationError(
                {"protector": "Only an injunction or a rescission blocks other actions."}
            )
        if self.blocked_id and self.blocked_id == self.protector_id:
            raise ValidationError({"blocked": "An action cannot block itself."})
