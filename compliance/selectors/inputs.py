"""The engine's inputs, read from the database.

``risk_inputs_for`` and ``risk_inputs_for_many`` turn ORM rows into the plain facts of
``compliance.risk.types`` with a fixed number of queries, whatever the number of rows: the
single path, the national path and the timelines share one implementation, so all give the
same facts.
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
    Block,
    ProgramFact,
    RiskInputs,
    StancePeriod,
    StatementFact,
    StatusChange,
)
from compliance.risk.weights import CLAWBACK_LOOKBACK_YEARS, CURRENT_AWARD_CARRY_FORWARD_YEARS
from compliance.selectors.inputs_sql import (
    ACTION_PROGRAMS_SQL,
    ACTIONS_SQL,
    AWARDS_SQL,
    BLOCKS_SQL,
    LATEST_OLDER_AWARDS_SQL,
    PROGRAMS_SQL,
    SHARES_SQL,
    STANCES_SQL,
    STATEMENTS_SQL,
    STATUS_SQL,
    TARGETS_SQL,
)
from jurisdictions.models import Jurisdiction


def risk_inputs_for(*, jurisdiction_id: int, as_of: date | None) -> RiskInputs:
    """The engine's inputs for one jurisdiction (a fixed number of queries, whatever its rows).

    Raises ``Jurisdiction.DoesNotExist`` when there is no such jurisdiction.
    """
    inputs = risk_inputs_for_many(jurisdiction_ids=[jurisdiction_id], as_of=as_of)
    if jurisdiction_id not in inputs:
        raise Jurisdiction.DoesNotExist(f"No jurisdiction with id {jurisdiction_id}.")
    return inputs[jurisdiction_id]


def risk_inputs_for_many(
    *, jurisdiction_ids: Sequence[int] | None = None, as_of: date | None
) -> dict[int, RiskInputs]:
    """The engine's inputs for many jurisdictions (all when ``jurisdiction_ids`` is None).

    Set-based: one query each for jurisdictions, awards (summed in SQL per jurisdiction,
    program, fiscal year, kind, publication date and precision flag), shares of joint awards,
    stance periods, statements, actions with their targets, programs, status changes and
    blocks, and programs, however many jurisdictions are asked for. Facts dated after ``as_of``
    are still returned: the engine filters them, in one place.

    With ``as_of`` None every award is read (the timelines span every date). With a date, awards
    are read in full from the engine's clawback look-back window on; before it, one more query
    reads only the latest fiscal year per jurisdiction and program within the carry-forward
    limit that has a figure public by ``as_of``, for programs with no public figure in the
    window up to the as-of year (the figure the engine then carries forward as the current
    one). The other older awards cannot change the figures and stay in the database. Unknown
    ids are left out.
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
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


# The hot reads are plain SQL: compiling ORM queries costs more than running them for one
# jurisdiction, and converting a million ORM rows costs seconds on the national path.


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


def _award(row: tuple, *, amount: int | None = None) -> tuple[int, AwardFact]:
    """A jurisdiction id and its award fact from an award-shaped row."""
    jid, aln, fiscal_year, kind, published_on, approximate, first_id, total = row
    value = int(total or 0) if amount is None else amount
    return jid, AwardFact(
        id=first_id,
        aln=aln,
        fiscal_year=fiscal_year,
        amount_usd=value,
        kind=kind,
        published_on=_date_or_none(published_on),
        approximate=bool(approximate),
    )


def _risk_inputs_for_many(
    jurisdiction_ids: Sequence[int] | None, as_of: date | None, *, parallel: bool = False
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
    awards = _awards_by_jurisdiction(scoped, award_rows, older_rows)

    result: dict[int, RiskInputs] = {}
    for jid in ids:
        mine = targeted.get(jid, ())
        if mine:
            skip = listed[jid]
            actions = [*(a for a in broad if a.id not in skip), *mine]
        else:
            actions = list(broad)
        actions.sort(key=lambda a: (a.issued_on, a.id))
        own = awards.get(jid, [])
        named = {award.aln for award in own}
        for action in actions:
            named.update(action.programs)
        result[jid] = RiskInputs(
            jurisdiction_id=jid,
            programs=tuple(programs[aln] for aln in sorted(named) if aln in programs),
            awards=tuple(own),
            stances=tuple(stances.get(jid, ())),
            statements=tuple(statements.get(jid, ())),
            actions=tuple(actions),
        )
    return result


def _awards_by_jurisdiction(
    scoped: list[int] | None, award_rows: list[tuple], older_rows: list[list[tuple]]
) -> dict[int, list[AwardFact]]:
    """Award facts per jurisdiction, joint awards shared out so that no dollar counts twice:
    a member counts its published share (or nothing, flagged, when its share is unknown); the
    fiscal agent counts the rest, or only its own share when that is published."""
    awards: dict[int, list[AwardFact]] = defaultdict(list)
    read: set[tuple] = set()  # (jurisdiction, ALN, fiscal year, kind) of the rows read
    for row in (*award_rows, *(older_rows[0] if older_rows else ())):
        jid, fact = _award(row)
        awards[jid].append(fact)
        read.add(row[:4])
    clause, params = "", []
    if scoped is not None:
        marks = ", ".join(["%s"] * len(scoped))
        clause = f"AND (a.jurisdiction_id IN ({marks}) OR s.jurisdiction_id IN ({marks}))"
        params = [*scoped, *scoped]
    joint: dict[int, tuple[tuple, dict[int, int | None]]] = {}
    for row in _rows(SHARES_SQL.format(scope=clause), params):
        award_row, member, share = row[:-2], row[-2], row[-1]
        joint.setdefault(award_row[6], (award_row, {}))[1][member] = share
    wanted = None if scoped is None else set(scoped)
    for award_row, members in joint.values():
        agent, amount = award_row[0], int(award_row[7])
        for member, share in members.items():
            if member == agent or (wanted is not None and member not in wanted):
                continue
            jid, fact = _award(award_row, amount=0 if share is None else int(share))
            if share is None:
                fact = AwardFact(**{**_fields(fact), "joint_share_unknown": True})
            awards[member].append(fact)
        if (wanted is None or agent in wanted) and tuple(award_row[:4]) in read:
            own = members.get(agent)
            if own is not None:  # the agent's own published share is all it counts
                adjustment = int(own) - amount
            else:
                adjustment = -sum(int(s) for m, s in members.items() if s is not None)
            if adjustment:
                _, fact = _award(award_row, amount=adjustment)
                awards[agent].append(fact)
    for facts in awards.values():
        facts.sort(key=lambda award: (award.aln, award.fiscal_year, award.kind, award.id))
    return awards


def _fields(fact: AwardFact) -> dict[str, Any]:
    return {name: getattr(fact, name) for name in AwardFact.__slots__}


def _award_queries(scoped: list[int] | None, as_of: date | None) -> list[tuple[str, list[object]]]:
    """The award reads: with no date, every year; with one, every year from the clawback
    window on and, when the carry-forward limit reaches further back, the latest older year
    with a public figure per jurisdiction and program with none in the window (two queries)."""
    clause, params = _in("a.jurisdiction_id", scoped)
    if as_of is None:
        return [(AWARDS_SQL.format(scope=clause), [0, *params])]
    fiscal_year = federal_fiscal_year(as_of)
    first_year = fiscal_year - CLAWBACK_LOOKBACK_YEARS
    oldest_year = fiscal_year - CURRENT_AWARD_CARRY_FORWARD_YEARS
    queries: list[tuple[str, list[object]]] = [
        (AWARDS_SQL.format(scope=clause), [first_year, *params])
    ]
    if oldest_year < first_year:
        inner, inner_params = _in("o.jurisdiction_id", scoped)
        queries.append(
            (
                LATEST_OLDER_AWARDS_SQL.format(scope=inner),
                [
                    as_of,
                    oldest_year,
                    first_year,
                    *inner_params,
                    first_year,
                    fiscal_year,
                    fiscal_year,
                    as_of,
                ],
            )
        )
    return queries


def _other_facts(scoped: list[int] | None) -> tuple:
    """Stance periods, statements, reaching actions and programs."""
    clause, params = _in("jurisdiction_id", scoped)
    stances: dict[int, list[StancePeriod]] = defaultdict(list)
    for jid, pk, code, start, end in _rows(STANCES_SQL.format(scope=clause), params):
        stances[jid].append(StancePeriod(pk, code, _date(start), _date_or_none(end)))

    statements: dict[int, list[StatementFact]] = defaultdict(list)
    for jid, pk, said_on, position in _rows(STATEMENTS_SQL.format(scope=clause), params):
        statements[jid].append(StatementFact(pk, _date(said_on), position))

    targeted, broad, listed = _actions_reaching(scoped)

    programs = {
        aln: ProgramFact(aln=aln, name=name, conditions_attach=bool(attach))
        for aln, name, attach in _rows(PROGRAMS_SQL)
    }
    return stances, statements, targeted, broad, listed, programs


def _actions_reaching(
    ids: list[int] | None,
) -> tuple[dict[int, list[ActionFact]], tuple[ActionFact, ...], dict[int, set[int]]]:
    """Actions listing each jurisdiction as a target; the all-sanctuary ones, which reach
    everyone the engine finds sanctuary or partial (or everyone, if they protect); and the
    action ids listing each id.

    Five queries: the target rows (only the asked-for jurisdictions), the actions, their
    programs, their status changes and their blocks.
    """
    clause, params = _in("jurisdiction_id", ids)
    targets_by_action: dict[int, list[int]] = defaultdict(list)
    for action_id, jid in _rows(TARGETS_SQL.format(scope=clause), params):
        targets_by_action[action_id].append(jid)

    action_clause, action_params = _in("id", sorted(targets_by_action) or None, joiner="OR")
    action_rows = _rows(ACTIONS_SQL.format(scope=action_clause), action_params)
    programs_by_action: dict[int, set[str]] = defaultdict(set)
    changes: dict[int, list[tuple]] = defaultdict(list)
    blocks: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    if action_rows:
        for action_id, aln in _rows(ACTION_PROGRAMS_SQL.format(scope=action_clause), action_params):
            programs_by_action[action_id].add(aln)
        for action_id, on, status, listed_only, pk in _rows(
            STATUS_SQL.format(scope=action_clause), action_params
        ):
            changes[action_id].append((_date(on), pk, status, bool(listed_only)))
        for protector, blocked, aln in _rows(BLOCKS_SQL.format(scope=action_clause), action_params):
            named = blocks[protector][blocked]
            if aln is not None:
                named.add(aln)

    targeted: dict[int, list[ActionFact]] = defaultdict(list)
    broad: list[ActionFact] = []
    listed: dict[int, set[int]] = defaultdict(set)
    for pk, kind, effect, status, issued_on, all_programs, all_sanctuary, title in action_rows:
        issued = _date(issued_on)
        history = tuple(
            StatusChange(on, state, listed_only)
            for on, _, state, listed_only in sorted(changes[pk])
        )
        if not history and status != "in_effect":
            # A status recorded without its date (before histories were kept): it holds from
            # the action's own date. The data report lists these until they are dated.
            history = (StatusChange(issued, status),)
        fields = {
            "id": pk,
            "kind": kind,
            "effect": effect,
            "issued_on": issued,
            "programs": frozenset(programs_by_action.get(pk, ())),
            "covers_all_programs": bool(all_programs),
            "targets_all_sanctuary": bool(all_sanctuary),
            "statuses": history,
            "blocks": tuple(
                Block(blocked, frozenset(alns) if alns else None)
                for blocked, alns in sorted(blocks[pk].items())
            ),
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
