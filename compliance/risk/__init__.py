"""The funding-at-risk engine: pure Python, no Django.

``assess(inputs, as_of=...)`` turns a jurisdiction's facts (:class:`RiskInputs`) into an
:class:`Assessment`. The README's section "How funding at risk is computed" describes the
method; its coefficients live in :mod:`compliance.risk.weights` and every assessment records
:data:`METHOD_VERSION`.
"""

from .engine import assess, level_for
from .periods import federal_fiscal_year, public_on, stance_at, stance_since, status_on
from .types import (
    ActionFact,
    Assessment,
    AwardFact,
    Driver,
    FigureOutOfRange,
    ProgramFact,
    ProgramRisk,
    RiskInputs,
    StancePeriod,
    StatementFact,
)
from .weights import LEVELS, METHOD_VERSION

__all__ = [
    "LEVELS",
    "METHOD_VERSION",
    "ActionFact",
    "Assessment",
    "AwardFact",
    "Driver",
    "FigureOutOfRange",
    "ProgramFact",
    "ProgramRisk",
    "RiskInputs",
    "StancePeriod",
    "StatementFact",
    "assess",
    "federal_fiscal_year",
    "level_for",
    "public_on",
    "stance_at",
    "stance_since",
    "status_on",
]
