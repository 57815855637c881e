"""Enumerations of the compliance domain, built from the engine's lists in
``compliance.risk.weights`` (never retyped); values are SPEC.md's lowercase codes."""

from compliance.core.choices import text_choices
from compliance.risk.weights import ACTION_KINDS, EFFECTS, POSITIONS, STATUSES
from jurisdictions.choices import RiskLevel

StatementPosition = text_choices("StatementPosition", POSITIONS)
ActionKind = text_choices("ActionKind", ACTION_KINDS)
ActionEffect = text_choices("ActionEffect", EFFECTS)
ActionStatus = text_choices("ActionStatus", STATUSES)

__all__ = ["ActionEffect", "ActionKind", "ActionStatus", "RiskLevel", "StatementPosition"]
