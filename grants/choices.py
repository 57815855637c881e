"""Enumerations of the grants app."""

from django.db import models

from compliance.core.choices import text_choices
from compliance.risk.weights import FIGURE_KINDS


class Agency(models.TextChoices):
    DOJ = "DOJ", "Department of Justice"
    DHS = "DHS", "Department of Homeland Security"
    HUD = "HUD", "Department of Housing and Urban Development"
    DOT = "DOT", "Department of Transportation"
    HHS = "HHS", "Department of Health and Human Services"
    ED = "ED", "Department of Education"
    OTHER = "OTHER", "Other agency"


# The kind of a money figure: the engine's list (award, allocation, estimate, budget).
FigureKind = text_choices("FigureKind", FIGURE_KINDS)


class UsaspendingRecord(models.TextChoices):
    """What a USAspending financial-assistance download lists, one row each: the prime
    transactions (every obligation and de-obligation) or the prime award summaries (one row an
    award, its total)."""

    TRANSACTION = "transaction", "Prime award transaction"
    AWARD_SUMMARY = "award_summary", "Prime award summary"
