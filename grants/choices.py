"""Enumerations of the grants app."""

from django.db import models


class Agency(models.TextChoices):
    DOJ = "DOJ", "Department of Justice"
    DHS = "DHS", "Department of Homeland Security"
    HUD = "HUD", "Department of Housing and Urban Development"
    DOT = "DOT", "Department of Transportation"
    HHS = "HHS", "Department of Health and Human Services"
    ED = "ED", "Department of Education"
    OTHER = "OTHER", "Other agency"


class AmountType(models.TextChoices):
    AWARD = "award", "Award (obligated)"
    ALLOCATION = "allocation", "Formula allocation"
    ELIGIBLE_ALLOCATION = "eligible_allocation", "Eligible allocation"
    BUDGETED_FEDERAL_REVENUE = "budgeted_federal_revenue", "Budgeted federal revenue"
    ESTIMATE = "estimate", "Estimate"
