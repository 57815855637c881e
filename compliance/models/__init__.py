"""Statements, federal actions, the history of risk assessments, and alerts."""

from .alerts import AlertDelivery, AlertEvent, DeliveryAttempt, Subscription
from .records import QUOTE_MAX_LENGTH, ActionBlock, FederalAction, FederalActionStatus, Statement
from .risk import TOTAL_COLUMNS, RiskAssessment, RiskTimelinePoint, TimelineTotal

__all__ = [
    "QUOTE_MAX_LENGTH",
    "TOTAL_COLUMNS",
    "ActionBlock",
    "AlertDelivery",
    "AlertEvent",
    "DeliveryAttempt",
    "FederalAction",
    "FederalActionStatus",
    "RiskAssessment",
    "RiskTimelinePoint",
    "Statement",
    "Subscription",
    "TimelineTotal",
]
