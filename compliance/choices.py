"""Enumerations of the compliance domain; values are SPEC.md's lowercase codes."""

from django.db import models


class StatementPosition(models.TextChoices):
    DEFIANT = "defiant", "Defiant"
    CONCILIATORY = "conciliatory", "Conciliatory"
    NEUTRAL = "neutral", "Neutral"
    SUPPORTIVE = "supportive", "Supportive"


class ActionKind(models.TextChoices):
    EXECUTIVE_ORDER = "executive_order", "Executive order"
    DOJ_LETTER = "doj_letter", "DOJ letter"
    GRANT_CONDITION = "grant_condition", "Grant condition"
    PUBLIC_LIST = "public_list", "Published list"
    SUBPOENA = "subpoena", "Subpoena"
    FUNDING_WITHHELD = "funding_withheld", "Funding withheld"
    CLAWBACK_DEMAND = "clawback_demand", "Clawback demand"
    LAWSUIT = "lawsuit", "Lawsuit"
    COURT_RULING = "court_ruling", "Court ruling"
    OTHER = "other", "Other (memo, remarks, hearing)"


class ActionEffect(models.TextChoices):
    THREAT = "threat", "Threat"
    CONDITION = "condition", "Condition"
    WITHHOLDING = "withholding", "Withholding"
    CLAWBACK = "clawback", "Clawback"
    INJUNCTION = "injunction", "Injunction"
    RESCISSION = "rescission", "Rescission"
    NONE = "none", "None"


class ActionStatus(models.TextChoices):
    IN_EFFECT = "in_effect", "In effect"
    ENJOINED = "enjoined", "Enjoined"
    RESCINDED = "rescinded", "Rescinded"
    VACATED = "vacated", "Vacated"
    EXPIRED = "expired", "Expired"


class RiskLevel(models.TextChoices):
    NONE = "none", "None"
    LOW = "low", "Low"
    ELEVATED = "elevated", "Elevated"
    HIGH = "high", "High"
    SEVERE = "severe", "Severe"
