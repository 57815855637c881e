"""USAspending downloads: the files read, their rows, and the figures derived from them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from grants.models.awards import MAX_AMOUNT_USD, aln_validator

from ..choices import UsaspendingRecord


class UsaspendingFile(models.Model):
    """One CSV of a USAspending financial-assistance download read by ``import_usaspending``:
    the provenance of the transactions it carried and of the figures derived from them.

    A file read again gets a new row (when, by whom); its transactions are not counted twice.
    """

    file_name = models.CharField(
        max_length=255, help_text="The path given to the command: a CSV, or the zip holding it."
    )
    member_name = models.CharField(
        "file in the zip", max_length=255, blank=True, help_text="Empty for a plain CSV."
    )
    sha256 = models.CharField(
        "SHA-256", max_length=64, help_text="Of the CSV's bytes (inside a zip, uncompressed)."
    )
    size_bytes = models.BigIntegerField("size (bytes)", default=0)
    record = models.CharField("lists", max_length=16, choices=UsaspendingRecord.choices)
    rows_read = models.PositiveIntegerField(default=0, help_text="Data rows (not the header).")
    rows_used = models.PositiveIntegerField(
        default=0, help_text="Rows matched to a jurisdiction, under a program on record."
    )
    rows_unmatched = models.PositiveIntegerField(
        default=0, help_text="Rows under a program on record whose recipient matched no "
        "jurisdiction (kept for the data report).",
    )  # fmt: skip
    rows_skipped = models.PositiveIntegerField(
        default=0, help_text="Rows not kept: no program on record for their Assistance Listing, "
        "or an award summary naming several listings.",
    )  # fmt: skip
    rows_deleted = models.PositiveIntegerField(
        default=0, help_text="Rows of a delta file marking a transaction deleted."
    )
    figures_changed = models.PositiveIntegerField(
        default=0, help_text="Grant figures created, changed or removed by this file."
    )
    notes = models.TextField(blank=True, help_text="What was skipped, and why.")
    command = models.CharField(max_length=200)
    imported_by = models.CharField(
        max_length=150, blank=True, help_text="The login that ran the command."
    )
    imported_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-imported_at", "-id")
        verbose_name = "USAspending file"
        constraints = [
            models.CheckConstraint(
                condition=Q(record__in=UsaspendingRecord.values),
                name="%(app_label)s_%(class)s_record_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    rows_read__gte=models.F("rows_used")
                    + models.F("rows_unmatched")
                    + models.F("rows_skipped")
                    + models.F("rows_deleted")
                ),
                name="%(app_label)s_%(class)s_rows_add_up",
            ),
        ]

    def __str__(self) -> str:
        name = f"{self.file_name}/{self.member_name}" if self.member_name else self.file_name
        return f"{name} ({self.imported_at:%Y-%m-%d %H:%M})"


class UsaspendingTransaction(models.Model):
    """One obligation read from a USAspending download, under a program on record: a prime
    transaction, or an award summary's total.

    Keyed by USAspending's unique key (``assistance_transaction_unique_key``; for a summary
    ``assistance_award_unique_key``): reading it again, from the same file, a zip holding it or
    a later download, updates this row and never adds a second. The grant figures derived from
    these rows (``UsaspendingFigure``) sum them per jurisdiction, program and fiscal year; an
    award's summary counts only while none of its transactions is on record. ``jurisdiction``
    is empty when the recipient matched none: those rows make the unmatched-recipient report.
    """

    record = models.CharField(max_length=16, choices=UsaspendingRecord.choices)
    key = models.CharField("unique key", max_length=400)
    award_key = models.CharField(
        "award unique key", max_length=400, help_text="assistance_award_unique_key"
    )
    fain = models.CharField("FAIN", max_length=100, blank=True)
    jurisdiction = models.ForeignKey(
        to="jurisdictions.Jurisdiction",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="usaspending_transactions",
    )
    recipient_uei = models.CharField("recipient UEI", max_length=20, blank=True)
    recipient_name = models.CharField(max_length=300, blank=True)
    recipient_state = models.CharField(max_length=2, blank=True)
    aln = models.CharField("Assistance Listing", max_length=6, validators=[aln_validator])
    fiscal_year = models.PositiveSmallIntegerField(help_text="Federal fiscal year of the action.")
    action_date = models.DateField()
    obligation_cents = models.BigIntegerField(
        help_text="In cents, as USAspending gives it; negative for a de-obligation."
    )
    source_file = models.ForeignKey(
        to="grants.UsaspendingFile",
        on_delete=models.PROTECT,
        related_name="transactions",
        help_text="The last file that carried the row.",
    )

    class Meta:
        ordering = ("jurisdiction", "aln", "fiscal_year", "key")
        verbose_name = "USAspending transaction"
        indexes = [
            models.Index(fields=["award_key", "record"], name="grants_usa_tx_award_idx"),
            models.Index(
                fields=["jurisdiction", "aln", "fiscal_year"], name="grants_usa_tx_figure_idx"
            ),
            models.Index(
                fields=["recipient_state", "recipient_name"],
                condition=Q(jurisdiction__isnull=True),
                name="grants_usa_tx_unmatched_idx",
            ),
            models.Index(fields=["source_file"], name="grants_usa_tx_file_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["record", "key"], name="%(app_label)s_%(class)s_unique_key"
            ),
            models.CheckConstraint(
                condition=Q(record__in=UsaspendingRecord.values),
                name="%(app_label)s_%(class)s_record_valid",
            ),
            models.CheckConstraint(
                condition=Q(aln__regex=r"^\d{2}\.\d{3}$"), name="%(app_label)s_%(class)s_aln_format"
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=1980) & Q(fiscal_year__lte=2100),
                name="%(app_label)s_%(class)s_fiscal_year_range",
            ),
            models.CheckConstraint(
                condition=Q(obligation_cents__gte=-MAX_AMOUNT_USD * 100)
                & Q(obligation_cents__lte=MAX_AMOUNT_USD * 100),
                name="%(app_label)s_%(class)s_amount_range",
            ),
        ]

    def __str__(self) -> str:
        dollars = self.obligation_cents / 100
        return f"{self.key} · {self.aln} · FY{self.fiscal_year} · {dollars:,.2f}"


class UsaspendingFigure(models.Model):
    """Marks a grant figure as derived from USAspending transactions by ``import_usaspending``,
    which alone rewrites or removes it; the import never touches a figure without this mark."""

    award = models.OneToOneField(
        to="grants.GrantAward", on_delete=models.CASCADE, related_name="usaspending_figure"
    )
    net_obligation_cents = models.BigIntegerField(
        help_text="The net of its transactions in cents (the figure rounds it to whole dollars, "
        "and shows a negative net as 0)."
    )
    transaction_count = models.PositiveIntegerField()
    award_count = models.PositiveIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("award",)
        verbose_name = "figure derived from USAspending"

    def __str__(self) -> str:
        return f"{self.award} (USAspending: {self.transaction_count} transactions)"
