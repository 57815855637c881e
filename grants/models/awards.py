"""Federal grant programs and the money each jurisdiction received or was allocated, with the
shares of joint awards.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from compliance.core.validators import CleanTextMixin, http_url, past_date
from jurisdictions.choices import DatePrecision

from ..choices import Agency, FigureKind

# The largest single figure the records accept: far above any federal award (the largest
# state formula grants are in the billions), far below the 64-bit columns that sum them.
MAX_AMOUNT_USD = 10**12

aln_validator = RegexValidator(r"^\d{2}\.\d{3}$", "An Assistance Listing number such as 16.738.")


class GrantProgram(CleanTextMixin, models.Model):
    """A federal assistance program, keyed by its Assistance Listing number (ALN)."""

    aln = models.CharField(
        "Assistance Listing", max_length=6, unique=True, validators=[aln_validator]
    )
    name = models.CharField(max_length=300)
    short_name = models.CharField(max_length=80, blank=True)
    agency = models.CharField(max_length=8, choices=Agency.choices)
    sub_agency = models.CharField(max_length=200, blank=True)
    funding_type = models.CharField(
        "formula or discretionary",
        max_length=200,
        blank=True,
        help_text="As the program's listing describes it; empty where no source says.",
    )
    conditions_attach = models.BooleanField(
        "immigration conditions attach",
        default=False,
        help_text="True when immigration-enforcement conditions have attached to this program.",
    )
    immigration_conditions = models.TextField(blank=True)
    conditions_source_url = models.URLField(max_length=1000, blank=True, validators=[http_url])
    notes = models.TextField(blank=True)
    source_url = models.URLField(max_length=1000, validators=[http_url])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("aln",)
        verbose_name = "grant program"
        constraints = [
            models.CheckConstraint(
                condition=Q(aln__regex=r"^\d{2}\.\d{3}$"), name="%(app_label)s_%(class)s_aln_format"
            ),
            models.CheckConstraint(
                condition=~Q(source_url=""), name="%(app_label)s_%(class)s_has_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.aln} {self.short_name or self.name}"


class GrantAward(CleanTextMixin, models.Model):
    """Money a jurisdiction received or was allocated, in whole US dollars.

    ``program`` is empty for figures that span programs (a city's budgeted federal revenue):
    those are kept for context with ``program_label`` and never count as exposure. A joint
    award is recorded once, under its fiscal agent (``jurisdiction``), with the members' shares
    in ``GrantAwardShare``: a dollar is never counted for two jurisdictions.
    """

    jurisdiction = models.ForeignKey(
        to="jurisdictions.Jurisdiction", on_delete=models.PROTECT, related_name="awards"
    )
    program = models.ForeignKey(
        to="grants.GrantProgram",
        on_delete=models.PROTECT,
        related_name="awards",
        null=True,
        blank=True,
    )
    program_label = models.CharField(
        max_length=200,
        blank=True,
        help_text="The program as the source names it; defaults to the program's short name.",
    )
    fiscal_year = models.PositiveSmallIntegerField()
    amount_usd = models.BigIntegerField(help_text="Whole US dollars.")
    figure_kind = models.CharField(
        max_length=16,
        choices=FigureKind.choices,
        default=FigureKind.AWARD,
        help_text="For one program and year the most reliable kind public on a date counts.",
    )
    approximate = models.BooleanField(
        default=False, help_text="True when the source rounds or estimates the figure."
    )
    published_on = models.DateField(
        null=True,
        blank=True,
        validators=[past_date],
        help_text="When the figure became public; empty when unknown (it then counts as "
        "public at the end of its federal fiscal year, 30 September).",
    )
    published_on_precision = models.CharField(
        max_length=16, choices=DatePrecision.choices, blank=True
    )
    award_id = models.CharField(
        "award identifier", max_length=100, blank=True, help_text="FAIN or USAspending key."
    )
    notes = models.TextField(blank=True)
    source_url = models.URLField(max_length=1000, validators=[http_url])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("jurisdiction", "-fiscal_year", "program")
        verbose_name = "grant award"
        indexes = [
            models.Index(
                fields=["jurisdiction", "program", "fiscal_year"],
                name="grants_award_juris_prog_fy_idx",
            ),
            models.Index(fields=["program", "fiscal_year"], name="grants_award_prog_fy_idx"),
            models.Index(fields=["fiscal_year"], name="grants_award_fy_idx"),
            models.Index(fields=["amount_usd"], name="grants_award_amount_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_usd__gte=0) & Q(amount_usd__lte=MAX_AMOUNT_USD),
                name="%(app_label)s_%(class)s_amount_range",
            ),
            models.CheckConstraint(
                condition=Q(figure_kind__in=FigureKind.values),
                name="%(app_label)s_%(class)s_figure_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(published_on__isnull=True) | ~Q(published_on_precision=""),
                name="%(app_label)s_%(class)s_publication_precision",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=1980) & Q(fiscal_year__lte=2100),
                name="%(app_label)s_%(class)s_fiscal_year_range",
            ),
            models.CheckConstraint(
                condition=~Q(source_url=""), name="%(app_label)s_%(class)s_has_source"
            ),
            models.CheckConstraint(
                condition=~Q(program_label=""), name="%(app_label)s_%(class)s_names_program"
            ),
            models.UniqueConstraint(
                fields=["award_id"],
                condition=~Q(award_id=""),
                name="%(app_label)s_%(class)s_unique_award_id",
            ),
            models.UniqueConstraint(
                fields=["jurisdiction", "program_label", "fiscal_year", "figure_kind"],
                name="%(app_label)s_%(class)s_unique_award_key",
            ),
        ]

    def __str__(self) -> str:
        label = self.program.aln if self.program is not None else self.program_label
        return f"{self.jurisdiction} · {label} · FY{self.fiscal_year} · ${self.amount_usd:,}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.program_label and self.program is not None:
            self.program_label = self.program.short_name or self.program.name
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        super().clean()
        if self.amount_usd is not None and not 0 <= self.amount_usd <= MAX_AMOUNT_USD:
            raise ValidationError(
                {"amount_usd": f"Use a whole number of dollars from 0 to {MAX_AMOUNT_USD:,}."}
            )
        if not self.program_id and not self.program_label:
            raise ValidationError({"program_label": "Name the program, or label the figure."})
        if self.published_on and not self.published_on_precision:
            self.published_on_precision = DatePrecision.DAY
        if not self.published_on:
            self.published_on_precision = ""


class GrantAwardShare(CleanTextMixin, models.Model):
    """A member's share of a joint award recorded under its fiscal agent.

    The share counts for the member and is taken off the agent's figure. An empty
    ``amount_usd`` means the award covers the member but its share is not published: the
    member then counts nothing for that year (its money is inside the agent's figure), and its
    own older figures are not carried past it. The fiscal agent itself may be listed with its
    own published share: it then counts that share only (the rest belongs to members, on
    record or not).
    """

    award = models.ForeignKey(
        to="grants.GrantAward", on_delete=models.CASCADE, related_name="shares"
    )
    jurisdiction = models.ForeignKey(
        to="jurisdictions.Jurisdiction", on_delete=models.PROTECT, related_name="award_shares"
    )
    amount_usd = models.BigIntegerField(null=True, blank=True, help_text="Whole US dollars.")
    notes = models.TextField(blank=True)
    source_url = models.URLField(max_length=1000, validators=[http_url])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ("award", "jurisdiction")
        verbose_name = "share of a joint award"
        constraints = [
            models.UniqueConstraint(
                fields=["award", "jurisdiction"], name="%(app_label)s_%(class)s_unique_member"
            ),
            models.CheckConstraint(
                condition=Q(amount_usd__isnull=True)
                | (Q(amount_usd__gte=0) & Q(amount_usd__lte=MAX_AMOUNT_USD)),
                name="%(app_label)s_%(class)s_amount_range",
            ),
            models.CheckConstraint(
                condition=~Q(source_url=""), name="%(app_label)s_%(class)s_has_source"
            ),
        ]

    def __str__(self) -> str:
        share = "share unknown" if self.amount_usd is None else f"${self.amount_usd:,}"
        return f"{self.jurisdiction} in {self.award}: {share}"

    def clean(self) -> None:
        super().clean()
        award = self.award if self.award_id else None
        if award is None:
            return
        if self.jurisdiction_id == award.jurisdiction_id and self.amount_usd is None:
            raise ValidationError(
                {"amount_usd": "List the fiscal agent only with its own published share."}
            )
        if self.amount_usd is not None:
            others = (
                GrantAwardShare.objects.filter(award_id=award.pk, amount_usd__isnull=False)
                .exclude(pk=self.pk)
                .aggregate(total=models.Sum("amount_usd"))["total"]
                or 0
            )
            if others + self.amount_usd > award.amount_usd:
                raise ValidationError(
                    {"amount_usd": "The members' shares would exceed the award's amount."}
                )
