"""One list per vocabulary: the Django choices are the engine's lists, and every weight of the
method covers the codes it weighs."""

from __future__ import annotations

from compliance.choices import ActionEffect, ActionKind, ActionStatus, RiskLevel, StatementPosition
from compliance.risk import weights as w
from jurisdictions.choices import StanceCode


def test_choices_are_the_engine_lists_in_order() -> None:
    assert StanceCode.choices == list(w.STANCES.items())
    assert StatementPosition.choices == list(w.POSITIONS.items())
    assert ActionKind.choices == list(w.ACTION_KINDS.items())
    assert ActionEffect.choices == list(w.EFFECTS.items())
    assert ActionStatus.choices == list(w.STATUSES.items())
    assert RiskLevel.choices == list(w.LEVELS.items())


def test_every_weight_covers_its_vocabulary() -> None:
    assert set(w.STANCE_FACTOR) == set(w.STANCES)
    assert w.BASELINE_STANCE in w.STANCES
    assert set(w.STANCES) >= w.ALL_SANCTUARY_STANCES
    assert set(w.STATEMENT_WEIGHT) == set(w.POSITIONS)
    assert set(w.ACTION_SEVERITY) | w.PROTECTIVE_EFFECTS == set(w.EFFECTS)
    assert not set(w.ACTION_SEVERITY) & w.PROTECTIVE_EFFECTS
    assert set(w.STATUSES) >= w.ACTIVE_STATUSES
    assert ["none", *w.LEVEL_FLOORS] == list(w.LEVELS), "levels ordered lowest first"
