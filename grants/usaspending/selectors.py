"""Reads of what the USAspending import kept."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Sum

from ..choices import UsaspendingRecord
from ..models import UsaspendingTransaction


@dataclass(frozen=True, slots=True)
class UnmatchedRecipient:
    """A USAspending recipient that matched no jurisdiction, with what it received under the
    programs on record (each transaction once)."""

    uei: str
    name: str
    state: str
    rows: int
    obligation_cents: int
    first_fiscal_year: int
    last_fiscal_year: int

    @property
    def obligation_usd(self) -> int:
        """Whole dollars, half up."""
        return (self.obligation_cents + 50) // 100

    @property
    def fiscal_years(self) -> str:
        first, last = self.first_fiscal_year, self.last_fiscal_year
        return f"FY{first}" if first == last else f"FY{first}-FY{last}"


@dataclass(frozen=True, slots=True)
class UnmatchedRecipients:
    """The first ``limit`` unmatched recipients, how many there are, and their total."""

    recipients: list[UnmatchedRecipient]
    count: int
    obligation_cents: int


def usaspending_rows_counted() -> Q:
    """Rows that count: every transaction, and an award's summary only while none of its
    transactions is on record (a summary and its transactions are the same money)."""
    return Q(record=UsaspendingRecord.TRANSACTION) | Q(
        ~Exists(
            UsaspendingTransaction.objects.filter(
                record=UsaspendingRecord.TRANSACTION, award_key=OuterRef("award_key")
            )
        )
    )


def usaspending_unmatched_recipients(*, limit: int | None = None) -> UnmatchedRecipients:
    """Recipients no jurisdiction matched, largest total first (up to ``limit``; all with
    None), with how many there are and their total. One query."""
    rows = (
        UsaspendingTransaction.objects.filter(usaspending_rows_counted(), jurisdiction__isnull=True)
        .values_list("recipient_uei", "recipient_name", "recipient_state")
        .annotate(
            rows=Count("id"),
            cents=Sum("obligation_cents"),
            first=Min("fiscal_year"),
            last=Max("fiscal_year"),
        )
        .order_by("-cents", "recipient_name", "recipient_uei")
    )
    recipients: list[UnmatchedRecipient] = []
    count = total = 0
    for uei, name, state, number, cents, first, last in rows.iterator(chunk_size=2_000):
        count += 1
        total += cents
        if limit is None or len(recipients) < limit:
            recipients.append(UnmatchedRecipient(uei, name, state, number, cents, first, last))
    return UnmatchedRecipients(recipients=recipients, count=count, obligation_cents=total)
