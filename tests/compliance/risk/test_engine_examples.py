"""Worked examples of the funding-at-risk method, pinned to the dollar.

The first one is the README's worked example ("How funding at risk is computed"); the tests
also check that the weights table there matches ``compliance/risk/weights.py``, so the
documentation cannot drift.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from compliance.risk import (
    ActionFact,
    AwardFact,
    ProgramFact,
    ProgramRisk,
    RiskInputs,
    StancePeriod,
    StatementFact,
    assess,
    federal_fiscal_year,
)
from compliance.risk import weights as w
from compliance.risk.explain import dollars
from compliance.risk.types import StatusChange

DOC = Path(__file__).resolve().parents[3] / "README.md"
AS_OF = date(2025, 6, 30)

BYRNE_JAG = ProgramFact("16.738", "Edward Byrne Memorial Justice Assistance Grant Program", True)
COPS = ProgramFact("16.710", "Public Safety Partnership and Community Policing Grants", True)
VOCA = ProgramFact("16.575", "Crime Victim Assistance", False)

LETTER = ActionFact(
    id=31,
    kind="doj_letter",
    effect="threat",
    issued_on=date(2025, 2, 5),
    covers_all_programs=True,
    targets_jurisdiction=True,
    title="Notice of potential funding restrictions",
)
INJUNCTION = ActionFact(
    id=32,
    kind="court_ruling",
    effect="injunction",
    issued_on=date(2025, 4, 24),
    programs=frozenset({"16.710"}),
    targets_jurisdiction=True,
    title="Preliminary injunction",
)

EXAMPLE = RiskInputs(
    jurisdiction_id=1,
    programs=(BYRNE_JAG, COPS, VOCA),
    awards=(
        AwardFact(1, "16.738", 2024, 1_200_000),
        AwardFact(2, "16.738", 2023, 1_150_000),
        AwardFact(3, "16.710", 2024, 2_500_000),
        AwardFact(4, "16.575", 2024, 800_000),
    ),
    stances=(StancePeriod(7, "sanctuary", date(2017, 1, 25)),),
    statements=(StatementFact(21, date(2025, 3, 3), "defiant"),),
    actions=(LETTER, INJUNCTION),
)


def test_worked_example_totals() -> None:
    result = assess(EXAMPLE, as_of=AS_OF)

    assert result.jurisdiction_id == 1
    assert result.as_of == AS_OF
    assert result.method_version == w.METHOD_VERSION == "2026.3"
    assert result.stance == "sanctuary"
    assert result.exposure_usd == 3_700_000
    assert result.max_at_risk_usd == 1_200_000
    assert result.funding_at_risk_usd == 161_041
    assert result.score == 13
    assert result.level == "elevated"


def test_worked_example_program_rows() -> None:
    result = assess(EXAMPLE, as_of=AS_OF)

    assert result.programs == (
        ProgramRisk("16.710", COPS.name, 2_500_000, 0, 0, 2024, figure_kind="award"),
        ProgramRisk("16.738", BYRNE_JAG.name, 1_200_000, 1_200_000, 161_041, 2024, "award"),
    )


def test_worked_example_drivers() -> None:
    result = assess(EXAMPLE, as_of=AS_OF)

    assert [
        (d.evidence_kind, d.evidence_id, d.contribution_usd, d.contribution_score)
        for d in result.drivers
    ] == [
        ("action", 31, 161_041, 13.42),
        ("stance", 7, 42_658, 3.55),
        ("statement", 21, 8_041, 0.67),
        ("injunction", 32, -335_502, 0.0),
    ]
    assert [d.sentence for d in result.drivers] == [
        "DOJ letter \u201cNotice of potential funding restrictions\u201d of 2025-02-05 (threat, "
        "in effect) names this jurisdiction. It bears on 16.738. The 16.738 figure is based on "
        "its FY2024 award, the most recent on record. It is blocked for 16.710 by an "
        "injunction or rescission. Without it, funding at risk would be $161,041 lower and the "
        "score 13.42 points lower.",
        "Stance sanctuary since 2017-01-25. With an unknown stance instead, funding at risk "
        "would be $42,658 lower and the score 3.55 points lower.",
        "Defiant statement of 2025-03-03, aged 90 days (to the first of the month), weight "
        "+0.354 after decay. Without it, "
        "funding at risk would be $8,041 lower and the score 0.67 points lower.",
        "Court ruling \u201cPreliminary injunction\u201d of 2025-04-24 (injunction, in effect) "
        "enjoins adverse actions on 16.710. The 16.710 figure is based on its FY2024 award, "
        "the most recent on record. Without it, funding at risk would be $335,502 "
        "higher and the score unchanged.",
    ]


def test_worked_example_figures_appear_in_the_docs() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("### Worked example") : text.index("### Caveats")]
    result = assess(EXAMPLE, as_of=AS_OF)

    figures = [
        result.exposure_usd,
        result.max_at_risk_usd,
        result.funding_at_risk_usd,
        *(d.contribution_usd for d in result.drivers),
    ]
    for figure in figures:
        assert dollars(abs(figure)) in section
    assert f"**{result.score}**" in section
    assert f"**{result.level}**" in section
    assert f"Method version **{w.METHOD_VERSION}**" in text


def _documented_weights() -> dict[tuple[str, str], float]:
    """(constant, key) -> value, read from the weights table of the README."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("### Weights") : text.index("### Worked example")]
    row = re.compile(
        r"^\| `(?P<name>[A-Z_]+)` \| (?:`(?P<key>[a-z_]+)`)? *\| (?P<value>-?[\d.]+) \|"
    )
    found = {}
    for line in section.splitlines():
        match = row.match(line)
        if match:
            found[match["name"], match["key"] or ""] = float(match["value"])
    return found


def _module_weights() -> dict[tuple[str, str], float]:
    """(constant, key) -> value for every number in weights.py."""
    found: dict[tuple[str, str], float] = {}
    for name, value in vars(w).items():
        if not name.isupper() or isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            found[name, ""] = float(value)
        elif isinstance(value, dict) and all(
            isinstance(number, int | float) for number in value.values()
        ):
            found.update({(name, key): float(number) for key, number in value.items()})
    return found


def test_the_weights_table_matches_weights_py() -> None:
    documented = _documented_weights()

    assert documented, "no weights table found in the README"
    assert documented == _module_weights()


# --- Smaller examples, one rule each -----------------------------------------------------


def _city(*actions: ActionFact, stance: str = "sanctuary", **extra: Any) -> RiskInputs:
    """A sanctuary city with Byrne JAG awards for FY2022-FY2024 and the given actions."""
    inputs = RiskInputs(
        jurisdiction_id=2,
        programs=(BYRNE_JAG, COPS),
        awards=(
            AwardFact(11, "16.738", 2024, 1_000_000),
            AwardFact(12, "16.738", 2023, 900_000),
            AwardFact(13, "16.738", 2022, 800_000),
            AwardFact(14, "16.738", 2021, 700_000),
        ),
        stances=(StancePeriod(1, stance, date(2017, 1, 1)),),
        actions=actions,
    )
    return dataclasses.replace(inputs, **extra)


def _action(effect: str, **fields: Any) -> ActionFact:
    """An in-effect action naming the city and covering Byrne JAG."""
    base = ActionFact(
        id=50,
        kind="doj_letter",
        effect=effect,
        issued_on=date(2025, 1, 10),
        programs=frozenset({"16.738"}),
        targets_jurisdiction=True,
    )
    return dataclasses.replace(base, **fields)


def test_a_clawback_adds_the_prior_years_of_the_look_back() -> None:
    # FY2025 as of 2025-06-30: look-back FY2022-FY2025; FY2021 is too old.
    result = assess(_city(_action("clawback")), as_of=AS_OF)

    assert result.exposure_usd == 1_000_000 + 900_000 + 800_000
    assert result.max_at_risk_usd == 2_700_000
    # 2,700,000 x 0.90 x k, k = 0.25 + 0.75 x 0.80 = 0.85
    assert result.funding_at_risk_usd == 2_065_500
    assert result.score == 77
    assert result.level == "severe"


@pytest.mark.parametrize(
    ("effect", "funding", "score", "level"),
    [
        ("none", 0, 0, "none"),
        ("threat", 127_500, 13, "elevated"),
        ("condition", 340_000, 34, "high"),
        ("withholding", 680_000, 68, "severe"),
    ],
)
def test_one_action_against_a_sanctuary_city(
    effect: str, funding: int, score: int, level: str
) -> None:
    result = assess(_city(_action(effect)), as_of=AS_OF)

    assert (result.funding_at_risk_usd, result.score, result.level) == (funding, score, level)


def test_a_rescission_withdraws_only_earlier_actions() -> None:
    rescission = _action("rescission", id=60, issued_on=date(2025, 3, 1))
    earlier = _action("condition", id=61, issued_on=date(2025, 2, 1))
    later = _action("condition", id=62, issued_on=date(2025, 4, 1))

    assert assess(_city(earlier, rescission), as_of=AS_OF).funding_at_risk_usd == 0
    assert assess(_city(later, rescission), as_of=AS_OF).funding_at_risk_usd == 340_000


def test_an_injunction_blocks_only_actions_issued_by_its_date() -> None:
    injunction = _action("injunction", id=70, kind="court_ruling", issued_on=date(2025, 3, 1))
    earlier = _action("condition", id=71, issued_on=date(2025, 2, 1))
    later = _action("condition", id=72, issued_on=date(2025, 4, 1))

    assert assess(_city(earlier, injunction), as_of=AS_OF).funding_at_risk_usd == 0
    # A measure issued after the ruling is a new one: the injunction does not reach it.
    assert assess(_city(later, injunction), as_of=AS_OF).funding_at_risk_usd == 340_000
    blocked_sanctuary_wide = dataclasses.replace(
        injunction, targets_jurisdiction=False, targets_all_sanctuary=True
    )
    assert assess(_city(earlier, blocked_sanctuary_wide), as_of=AS_OF).funding_at_risk_usd == 0


def test_an_action_counts_as_in_effect_until_its_status_changed() -> None:
    enjoined = _action("condition", statuses=(StatusChange(date(2025, 5, 1), "enjoined"),))

    assert assess(_city(enjoined), as_of=date(2025, 4, 30)).funding_at_risk_usd == 340_000
    assert assess(_city(enjoined), as_of=date(2025, 5, 1)).funding_at_risk_usd == 0


def test_an_all_sanctuary_action_reaches_only_sanctuary_and_partial_stances() -> None:
    action = _action("condition", targets_jurisdiction=False, targets_all_sanctuary=True)

    reached = {
        stance: assess(_city(action, stance=stance), as_of=AS_OF).max_at_risk_usd > 0
        for stance in w.STANCE_FACTOR
    }
    assert reached == {
        "sanctuary": True,
        "partial": True,
        "unknown": False,
        "cooperative": False,
        "enforcing": False,
    }


def test_the_stance_in_force_is_the_latest_started_period_covering_the_date() -> None:
    stances = (
        StancePeriod(1, "cooperative", date(2010, 1, 1), date(2020, 12, 31)),
        StancePeriod(2, "sanctuary", date(2021, 1, 1)),
    )
    inputs = _city(_action("threat"), stances=stances)

    assert assess(inputs, as_of=date(2020, 12, 31)).stance == "cooperative"
    assert assess(inputs, as_of=date(2021, 1, 1)).stance == "sanctuary"
    assert assess(_city(stances=()), as_of=AS_OF).stance == "unknown"


def test_the_fiscal_year_turns_on_the_first_of_october() -> None:
    assert federal_fiscal_year(date(2025, 9, 30)) == 2025
    assert federal_fiscal_year(date(2025, 10, 1)) == 2026
    # An FY2016 award is ten years old in FY2026 and still stands in for the current year's
    # money; from 2026-10-01 (FY2027) it is eleven years old and too stale.
    inputs = _city(_action("threat"), awards=(AwardFact(1, "16.738", 2016, 500_000),))
    assert assess(inputs, as_of=date(2026, 9, 30)).exposure_usd == 500_000
    assert assess(inputs, as_of=date(2026, 10, 1)).exposure_usd == 0


@pytest.mark.parametrize(
    ("award_year", "exposure", "funding"),
    [(2017, 500_000, 63_750), (2016, 0, 0), (2010, 0, 0)],
)
def test_the_latest_award_is_carried_forward_for_at_most_ten_years(
    award_year: int, exposure: int, funding: int
) -> None:
    # As of 2026-11-25 (FY2027) a Byrne JAG award of FY2017, the most recent on record, stands
    # in for the current year's money; one of FY2016 or FY2010 is too stale to count.
    inputs = _city(_action("threat"), awards=(AwardFact(1, "16.738", award_year, 500_000),))

    result = assess(inputs, as_of=date(2026, 11, 25))

    # 500,000 x 0.15 x k, k = 0.25 + 0.75 x 0.80 = 0.85
    assert (result.exposure_usd, result.funding_at_risk_usd) == (exposure, funding)
    if exposure:
        assert result.programs == (
            ProgramRisk("16.738", BYRNE_JAG.name, exposure, exposure, funding, award_year, "award"),
        )
        action = next(d for d in result.drivers if d.evidence_kind == "action")
        assert "The 16.738 figure is based on its FY2017 award, the most recent on record." in (
            action.sentence
        )
    else:
        assert result.programs == ()
        assert all(d.evidence_kind != "action" for d in result.drivers)


def test_a_newer_award_replaces_the_carried_one_and_older_years_are_prior_money() -> None:
    awards = (
        AwardFact(1, "16.738", 2017, 400_000),
        AwardFact(2, "16.738", 2024, 600_000),
        AwardFact(3, "16.738", 2025, 700_000),
    )
    as_of = date(2026, 11, 25)  # FY2027: look-back FY2024-FY2027

    threat = assess(_city(_action("threat"), awards=awards), as_of=as_of)
    clawback = assess(_city(_action("clawback"), awards=awards), as_of=as_of)

    assert threat.exposure_usd == 700_000
    assert threat.programs[0].award_fiscal_year == 2025
    # The clawback adds FY2024, inside its window; FY2017 is neither current nor in the window.
    assert clawback.exposure_usd == 700_000 + 600_000


def test_a_current_year_award_needs_no_note() -> None:
    # Published in December 2024, so known on the as-of date in June 2025.
    awards = (AwardFact(1, "16.738", 2025, 700_000, published_on=date(2024, 12, 1)),)

    result = assess(_city(_action("threat"), awards=awards), as_of=AS_OF)

    assert result.programs[0].award_fiscal_year == 2025
    assert all("most recent on record" not in d.sentence for d in result.drivers)


def test_no_facts_give_an_empty_assessment() -> None:
    result = assess(RiskInputs(jurisdiction_id=3), as_of=AS_OF)

    assert (result.exposure_usd, result.max_at_risk_usd, result.funding_at_risk_usd) == (0, 0, 0)
    assert (result.score, result.level, result.stance) == (0, "none", "unknown")
    assert result.programs == ()
    assert result.drivers == ()


def test_unknown_codes_do_not_fail() -> None:
    odd = _action("teleport", statuses=(StatusChange(date(2025, 2, 1), "pending"),))
    inputs = _city(
        odd,
        stance="nebulous",
        statements=(StatementFact(5, date(2025, 1, 1), "ambivalent"),),
    )

    result = assess(inputs, as_of=AS_OF)

    assert result.funding_at_risk_usd == 0
    assert result.stance == "nebulous"


def test_an_injunction_blocks_only_what_its_scope_names() -> None:
    """An injunction recorded against one action, on 16.738 only, leaves a COPS threat and
    the other action bearing (SPEC: protection blocks only what it names)."""
    from compliance.risk.types import Block

    cops_award = AwardFact(2, "16.710", 2024, 2_500_000)
    letter = _action("threat", id=60, programs=frozenset({"16.738", "16.710"}))
    order = _action("threat", id=61, kind="executive_order", covers_all_programs=True)
    injunction = _action(
        "injunction",
        id=62,
        kind="court_ruling",
        issued_on=date(2025, 3, 1),
        blocks=(Block(60, frozenset({"16.738"})),),
    )
    inputs = _city(letter, order, injunction, awards=(*_city().awards, cops_award))
    inputs = dataclasses.replace(inputs, programs=(BYRNE_JAG, COPS))
    result = assess(inputs, as_of=AS_OF)

    rows = {row.aln: row for row in result.programs}
    assert rows["16.710"].max_at_risk_usd == 2_500_000, "the COPS threat still bears"
    assert rows["16.738"].max_at_risk_usd > 0, "the order it does not name still bears"
    letter_driver = next(d for d in result.drivers if d.evidence_id == 60)
    assert "blocked for 16.738" in letter_driver.sentence
    assert "16.710" in letter_driver.sentence.split("It bears on")[1]


def test_an_action_counts_until_a_later_status_change_and_again_after() -> None:
    """Enjoined from May 1 and in effect again from June 1 (an injunction stayed)."""
    action = _action(
        "condition",
        statuses=(
            StatusChange(date(2025, 5, 1), "enjoined"),
            StatusChange(date(2025, 6, 1), "in_effect"),
        ),
    )
    assert assess(_city(action), as_of=date(2025, 4, 30)).funding_at_risk_usd == 340_000
    assert assess(_city(action), as_of=date(2025, 5, 15)).funding_at_risk_usd == 0
    assert assess(_city(action), as_of=date(2025, 6, 1)).funding_at_risk_usd == 340_000


def test_a_nationwide_order_narrowed_to_its_plaintiffs_stops_reaching_others() -> None:
    """From the day its reach is narrowed, an all-sanctuary action reaches only its listed
    targets: the figure of a jurisdiction it does not name changes that day."""
    order = _action(
        "condition",
        targets_jurisdiction=False,
        targets_all_sanctuary=True,
        statuses=(StatusChange(date(2025, 5, 1), "in_effect", listed_only=True),),
    )
    assert assess(_city(order), as_of=date(2025, 4, 30)).funding_at_risk_usd > 0
    assert assess(_city(order), as_of=date(2025, 5, 1)).funding_at_risk_usd == 0


def test_the_best_kind_of_figure_known_on_the_date_counts() -> None:
    """For one program and year an award replaces the allocation once it is public."""
    allocation = AwardFact(1, "16.738", 2025, 900_000, kind="allocation",
                           published_on=date(2024, 11, 1))  # fmt: skip
    award = AwardFact(2, "16.738", 2025, 800_000, kind="award", published_on=date(2025, 3, 1))
    inputs = dataclasses.replace(_city(), awards=(allocation, award))

    early = assess(inputs, as_of=date(2025, 1, 15))
    late = assess(inputs, as_of=date(2025, 4, 1))
    assert (early.exposure_usd, early.programs[0].figure_kind) == (900_000, "allocation")
    assert (late.exposure_usd, late.programs[0].figure_kind) == (800_000, "award")


def test_data_gaps_are_named() -> None:
    nothing = assess(RiskInputs(jurisdiction_id=1, programs=(BYRNE_JAG,)), as_of=AS_OF)
    assert nothing.data_gaps == ("no_stance", "no_awards")
    old = AwardFact(1, "16.738", 2019, 100_000, approximate=True)
    stale = assess(dataclasses.replace(_city(), awards=(old,)), as_of=AS_OF)
    assert stale.data_gaps == ("stale_awards", "approximate")
