"""Statements, federal actions and the history of risk assessments."""

from .records import QUOTE_MAX_LENGTH, ActionBlock, FederalAction, FederalActionStatus, Statement
from .risk import TOTAL_COLUMNS, RiskAssessment, RiskTimelinePoint, TimelineTotal

__all__ = [
    "QUOTE_MAX_LENGTH",
    "TOTAL_COLUMNS",
    "ActionBlock",
    "FederalAction",
    "FederalActionStatus",
    "RiskAssessment",
    "RiskTimelinePoint",
    "Statement",
    "TimelineTotal",
]
