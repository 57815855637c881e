"""The engine's inputs, read from the database.

``risk_inputs_for`` and ``risk_inputs_for_many`` turn ORM rows into the plain facts of
``compliance.risk.types`` with a fixed number of queries, whatever the number of rows: the
single path and the national path share one implementation, so both give the same facts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from django.db import connection, transaction

from compliance.risk import federal_fiscal_year
from compliance.risk.types import (
    ActionFact,
    AwardFact,
    ProgramFact,
    RiskInputs,
    StancePeriod,
    StatementFact,
)
from compliance.risk.weights import CLAWBACK_LOOKBACK_YEARS, CURRENT_AWARD_CARRY_FORWARD_YEARS
from jurisdictions.models import Jurisdiction


def risk_inputs_for(*, jurisdiction_id: int, as_of: date) -> RiskInputs:
    """The engine's inputs for one jurisdiction (a fixed number of queries, whatever its rows).

    Raises ``Jurisdiction.DoesNotExist`` when there is no such jurisdiction.
    """
    inputs = risk_inputs_for_many(jurisdiction_ids=[jurisdiction_id], as_of=as_of)
    if jurisdiction_id not in inputs:
        raise Jurisdiction.DoesNotExist(f"No jurisdiction with id {jurisdiction_id}.")
    return inputs[jurisdiction_id]


def risk_inputs_for_many(
    *, jurisdiction_ids: Sequence[int] | None = None, as_of: date
) -> dict[int, RiskInputs]:
    """The engine's inputs for many jurisdictions (all when ``jurisdiction_ids`` is None).

    Set-based: one query each for jurisdictions, awards (summed per jurisdiction, program and
    fiscal year in SQL), stance periods, statements, actions with their targets and programs,
    and programs, however many jurisdictions are asked for. Facts dated after ``as_of`` are
    still returned: the engine filters them, in one place. Awards are read in full from the
    engine's clawback look-back window on; before it, one more query reads only the latest
    fiscal year per jurisdiction and program within the carry-forward limit, for programs with
    no award in the window up to the as-of year (the award the engine then carries forward as
    the current one). The other older awards are left in the database: they cannot change any
    figure. Unknown ids are left out.
    """
    if jurisdiction_ids is not None or connection.vendor != "postgresql":
        return _risk_inputs_for_many(jurisdiction_ids, as_of)
    # National path. Outside a transaction, the award aggregates (the slow queries) run on
    # their own connections while this one reads the rest; inside one, they must see the same
    # data.
    parallel = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        # Plain aggregates over a million rows, where JIT compilation costs more than it saves.
        cursor.execute("SET LOCAL jit = off")
        return _risk_inputs_for_many(jurisdiction_ids, as_of, parallel=parallel)


def _rows_on_own_connection(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Run one read in a worker thread, on that thread's own connection, then close it."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


# The hot reads are plain SQL: compiling ORM queries costs more than running them for one
# jurisdiction, and converting a million ORM rows costs seconds on the national path.
# "{scope}" is empty (every jurisdiction) or "AND <column> IN (%s, ...)"; dates come back as
# strings on SQLite, hence _date().
_AWARDS_SQL = """
SELECT a.jurisdiction_id, p.aln, a.fiscal_year, MIN(a.id), SUM(a.amount_usd)
FROM grants_grantaward a JOIN grants_grantprogram p ON p.id = a.program_id
WHERE a.fiscal_year >= %s {scope}
GROUP BY a.jurisdiction_id, p.aln, a.fiscal_year
ORDER BY a.jurisdiction_id, p.aln, a.fiscal_year
"""
# Before the look-back window, only the latest fiscal year per jurisdiction and program within
# the carry-forward limit (summed like the rows above; an ALN names one program), and only for
# a program with no award in the window up to the as-of year: otherwise the current award is in
# the window and no older year can count. PostgreSQL picks the year with DISTINCT ON over the
# aggregated rows; other databases join to a GROUP BY MAX(fiscal_year). Parameters: the oldest
# year, the window's first year, the scope's ids, then the window's first year and the as-of
# fiscal year.
_LATEST_OLDER_AWARDS_SQL = {
    "postgresql": """
SELECT l.jurisdiction_id, p.aln, l.fiscal_year, l.first_id, l.total
FROM (
    SELECT DISTINCT ON (a.jurisdiction_id, a.program_id)
           a.jurisdiction_id, a.program_id, a.fiscal_year, MIN(a.id) AS first_id,
           SUM(a.amount_usd) AS total
    FROM grants_grantaward a
    WHERE a.fiscal_year >= %s AND a.fiscal_year < %s AND a.program_id IS NOT NULL {scope}
    GROUP BY a.jurisdiction_id, a.program_id, a.fiscal_year
    ORDER BY a.jurisdiction_id, a.program_id, a.fiscal_year DESC
) l JOIN grants_grantprogram p ON p.id = l.program_id
WHERE NOT EXISTS (
    SELECT 1 FROM grants_grantaward w
    WHERE w.jurisdiction_id = l.jurisdiction_id AND w.program_id = l.program_id
      AND w.fiscal_year >= %s AND w.fiscal_year <= %s
)
""",
    "other": """
SELECT b.jurisdiction_id, p.aln, b.fiscal_year, MIN(b.id), SUM(b.amount_usd)
FROM grants_grantaward b
JOIN grants_grantprogram p ON p.id = b.program_id
JOIN (
    SELECT a.jurisdiction_id, a.program_id, MAX(a.fiscal_year) AS fiscal_year
    FROM grants_grantaward a
    WHERE a.fiscal_year >= %s AND a.fiscal_year < %s AND a.program_id IS NOT NULL {scope}
    GROUP BY a.jurisdiction_id, a.program_id
) l ON l.jurisdiction_id = b.jurisdiction_id AND l.program_id = b.program_id
   AND l.fiscal_year = b.fiscal_year
WHERE NOT EXISTS (
    SELECT 1 FROM grants_grantaward w
    WHERE w.jurisdiction_id = l.jurisdiction_id AND w.program_id = l.program_id
      AND w.fiscal_year >= %s AND w.fiscal_year <= %s
)
GROUP BY b.jurisdiction_id, p.aln, b.fiscal_year
""",
}
_STANCES_SQL = """
SELECT jurisdiction_id, id, code, effective_from, effective_to
FROM jurisdictions_policystance WHERE TRUE {scope}
ORDER BY jurisdiction_id, effective_from, id
"""
_STATEMENTS_SQL = """
SELECT jurisdiction_id, id, said_on, position
FROM compliance_statement WHERE TRUE {scope}
ORDER BY jurisdiction_id, said_on, id
"""
_TARGETS_SQL = """
SELECT federalaction_id, jurisdiction_id FROM compliance_federalaction_targets WHERE TRUE {scope}
"""
_ACTIONS_SQL = """
SELECT id, kind, effect, status, issued_on, covers_all_programs, targets_all_sanctuary,
       status_since, title
FROM compliance_federalaction WHERE targets_all_sanctuary {scope}
ORDER BY issued_on, id
"""
_ACTION_PROGRAMS_SQL = """
SELECT ap.federalaction_id, p.aln
FROM compliance_federalaction_programs ap JOIN grants_grantprogram p ON p.id = ap.grantprogram_id
WHERE ap.federalaction_id IN (SELECT id FROM compliance_federalaction
                              WHERE targets_all_sanctuary {scope})
"""
_PROGRAMS_SQL = "SELECT aln, name, conditions_attach FROM grants_grantprogram"


def _rows(sql: str, params: Sequence[Any] = ()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _in(column: str, ids: Sequence[int] | None, joiner: str = "AND") -> tuple[str, list[int]]:
    """A ``{joiner} column IN (...)`` clause, or nothing for every row."""
    if ids is None:
        return "", []
    return f"{joiner} {column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _date(value: date | str) -> date:
    """A date column read by raw SQL (SQLite returns text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _date_or_none(value: date | str | None) -> date | None:
    return None if value is None else _date(value)


def _risk_inputs_for_many(
    jurisdiction_ids: Sequence[int] | None, as_of: date, *, parallel: bool = False
) -> dict[int, RiskInputs]:
    ids = _existing_ids(jurisdiction_ids)
    if not ids:
        return {}
    scoped = ids if jurisdiction_ids is not None else None

    award_queries = _award_queries(scoped, as_of)
    with ThreadPoolExecutor(max_workers=len(award_queries)) as pool:
        pending = (
            [pool.submit(_rows_on_own_connection, *query) for query in award_queries]
            if parallel
            else []
        )
        stances, statements, targeted, broad, listed, programs = _other_facts(scoped)
        award_rows, *older_rows = (
            [job.result() for job in pending]
            if pending
            else [_rows(*query) for query in award_queries]
        )

    awards: dict[int, list[AwardFact]] = defaultdict(list)
    award_alns: dict[int, set[str]] = defaultdict(set)
    for jid, aln, fiscal_year, first_id, total in award_rows:
        awards[jid].append(AwardFact(first_id, aln, fiscal_year, int(total)))
        award_alns[jid].add(aln)
    if older_rows:
        carried: set[int] = set()
        for jid, aln, fiscal_year, first_id, total in older_rows[0]:
            awards[jid].append(AwardFact(first_id, aln, fiscal_year, int(total)))
            award_alns[jid].add(aln)
            carried.add(jid)
        for jid in carried:  # the same order as the window's rows: by ALN, then fiscal year
            awards[jid].sort(key=lambda award: (award.aln, award.fiscal_year))

    result: dict[int, RiskInputs] = {}
    for jid in ids:
        mine = targeted.get(jid, ())
        if mine:
            skip = listed[jid]
            actions = [*(a for a in broad if a.id not in skip), *mine]
        else:
            actions = list(broad)
        actions.sort(key=lambda a: (a.issued_on, a.id))
        named = set(award_alns.get(jid, ()))
        for action in actions:
            named.update(action.programs)
        result[jid] = RiskInputs(
            jurisdiction_id=jid,
            programs=tuple(programs[aln] for aln in sorted(named) if aln in programs),
            awards=tuple(awards.get(jid, ())),
            stances=tuple(stances.get(jid, ())),
            statements=tuple(statements.get(jid, ())),
            actions=tuple(actions),
        )
    return result


def _award_queries(scoped: list[int] | None, as_of: date) -> list[tuple[str, list[object]]]:
    """The award reads: every year from the clawback window on and, when the carry-forward limit
    reaches further back, the latest older year per jurisdiction and program that has no award
    in the window up to the as-of year (two queries)."""
    clause, params = _in("a.jurisdiction_id", scoped)
    fiscal_year = federal_fiscal_year(as_of)
    first_year = fiscal_year - CLAWBACK_LOOKBACK_YEARS
    oldest_year = fiscal_year - CURRENT_AWARD_CARRY_FORWARD_YEARS
    queries: list[tuple[str, list[object]]] = [
        (_AWARDS_SQL.format(scope=clause), [first_year, *params])
    ]
    if oldest_year < first_year:
        sql = _LATEST_OLDER_AWARDS_SQL.get(connection.vendor, _LATEST_OLDER_AWARDS_SQL["other"])
        queries.append(
            (sql.format(scope=clause), [oldest_year, first_year, *params, first_year, fiscal_year])
        )
    return queries


def _other_facts(scoped: list[int] | None) -> tuple:
    """Stance periods, statements, reaching actions and programs (five queries)."""
    clause, params = _in("jurisdiction_id", scoped)
    stances: dict[int, list[StancePeriod]] = defaultdict(list)
    for jid, pk, code, start, end in _rows(_STANCES_SQL.format(scope=clause), params):
        stances[jid].append(StancePeriod(pk, code, _date(start), _date_or_none(end)))

    statements: dict[int, list[StatementFact]] = defaultdict(list)
    for jid, pk, said_on, position in _rows(_STATEMENTS_SQL.format(scope=clause), params):
        statements[jid].append(StatementFact(pk, _date(said_on), position))

    targeted, broad, listed = _actions_reaching(scoped)

    programs = {
        aln: ProgramFact(aln=aln, name=name, conditions_attach=bool(attach))
        for aln, name, attach in _rows(_PROGRAMS_SQL)
    }
    return stances, statements, targeted, broad, listed, programs


def _actions_reaching(
    ids: list[int] | None,
) -> tuple[dict[int, list[ActionFact]], tuple[ActionFact, ...], dict[int, set[int]]]:
    """Actions listing each jurisdiction as a target; the all-sanctuary ones, which reach
    everyone the engine finds sanctuary or partial; and the action ids listing each id.

    Three queries: the target rows (only the asked-for jurisdictions), the actions, their
    programs.
    """
    clause, params = _in("jurisdiction_id", ids)
    targets_by_action: dict[int, list[int]] = defaultdict(list)
    for action_id, jid in _rows(_TARGETS_SQL.format(scope=clause), params):
        targets_by_action[action_id].append(jid)

    action_clause, action_params = _in("id", sorted(targets_by_action) or None, joiner="OR")
    action_rows = _rows(_ACTIONS_SQL.format(scope=action_clause), action_params)
    programs_by_action: dict[int, set[str]] = defaultdict(set)
    if action_rows:
        for action_id, aln in _rows(
            _ACTION_PROGRAMS_SQL.format(scope=action_clause), action_params
        ):
            programs_by_action[action_id].add(aln)

    targeted: dict[int, list[ActionFact]] = defaultdict(list)
    broad: list[ActionFact] = []
    listed: dict[int, set[int]] = defaultdict(set)
    for (
        pk,
        kind,
        effect,
        status,
        issued_on,
        all_programs,
        all_sanctuary,
        since,
        title,
    ) in action_rows:
        fields = {
            "id": pk,
            "kind": kind,
            "effect": effect,
            "status": status,
            "issued_on": _date(issued_on),
            "programs": frozenset(programs_by_action.get(pk, ())),
            "covers_all_programs": bool(all_programs),
            "targets_all_sanctuary": bool(all_sanctuary),
            "status_since": _date_or_none(since),
            "title": title,
        }
        as_target = ActionFact(**fields, targets_jurisdiction=True)
        for jid in targets_by_action.get(pk, ()):
            targeted[jid].append(as_target)
            listed[jid].add(pk)
        if all_sanctuary:
            broad.append(ActionFact(**fields, targets_jurisdiction=False))
    return targeted, tuple(broad), listed


def _existing_ids(jurisdiction_ids: Sequence[int] | None) -> list[int]:
    if jurisdiction_ids is not None and not jurisdiction_ids:
        return []
    clause, params = _in("id", None if jurisdiction_ids is None else sorted(set(jurisdiction_ids)))
    return [
        row[0]
        for row in _rows(
            f"SELECT id FROM jurisdictions_jurisdiction WHERE TRUE {clause} ORDER BY id", params
        )
    ]
