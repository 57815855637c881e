"""Federal grant programs, the money each jurisdiction received or was allocated, and the
USAspending downloads it can come from."""

from .awards import MAX_AMOUNT_USD, GrantAward, GrantAwardShare, GrantProgram, aln_validator
from .usaspending import UsaspendingFigure, UsaspendingFile, UsaspendingTransaction

__all__ = [
    "MAX_AMOUNT_USD",
    "GrantAward",
    "GrantAwardShare",
    "GrantProgram",
    "UsaspendingFigure",
    "UsaspendingFile",
    "UsaspendingTransaction",
    "aln_validator",
]
