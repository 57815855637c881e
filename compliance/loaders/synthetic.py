"""A national-scale synthetic dataset for benchmarks (deterministic from a seed).

States are the real 50 states and DC (reused when the reference data already holds them);
counties and places are obviously synthetic ("Synthetic County 012", "Synthetic Place 00123")
with GEOIDs from ranges real counties do not use and codes the database does not hold yet.
Programs are the 13 reference programs (reused by Assistance Listing number).

Rows go in with PostgreSQL COPY, on purpose without model signals or simple-history rows;
every generated jurisdiction is then marked stale once (run ``recompute_risk`` next).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from compliance.core.dates import EARLIEST
from compliance.models import (
    FederalAction,
    FederalActionStatus,
    RiskAssessment,
    RiskTimelinePoint,
    Statement,
    TimelineTotal,
)
from grants.models import GrantAward, GrantProgram
from jurisdictions.choices import US_STATES
from jurisdictions.models import Jurisdiction, PolicyStance

from .synthetic_parts import (
    ACTION_KINDS,
    BASE,
    EFFECT_OF_KIND,
    FISCAL_YEARS,
    POSITIONS,
    PROGRAMS,
    SOURCE,
    STANCE_MIX,
    STATE_FIPS,
    copy_rows,
)


@dataclass
class SyntheticSummary:
    """What one generation wrote."""

    jurisdictions: int = 0
    awards: int = 0
    statements: int = 0
    actions: int = 0
    stances: int = 0
    seconds: float = 0.0


class SyntheticDatasetExists(Exception):
    """A synthetic dataset is already loaded and ``replace`` was not asked for."""


class SyntheticDataset:
    """Builds the synthetic dataset: ``SyntheticDataset(seed=42).build()``."""

    def __init__(self, *, seed: int = 42, scale: float = 1.0, progress: bool = True) -> None:
        if not 0 < scale <= 10:
            raise ValueError("scale must be in (0, 10].")
        self.rng = random.Random(seed)
        self.quiet = not progress
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.counts = {k: max(1, round(v * scale)) for k, v in BASE.items()}
        self.counts["states"] = BASE["states"]

    def build(self, *, replace: bool = False) -> SyntheticSummary:
        """Write the dataset in one transaction (PostgreSQL only: rows go in with COPY), mark
        every generated jurisdiction stale, and ANALYZE."""
        if connection.vendor != "postgresql":
            raise NotImplementedError("The synthetic dataset is loaded with COPY: use PostgreSQL.")
        started = time.perf_counter()
        counts = self.counts
        with transaction.atomic():
            if GrantAward.objects.filter(source_url=SOURCE).exists():
                if not replace:
                    raise SyntheticDatasetExists(
                        "A synthetic dataset exists; pass --replace to rebuild it."
                    )
                self._delete_previous()
            programs = self._programs()
            states = self._states()
            counties = self._counties(states, counts["counties"])
            places = self._places(states, counties, counts["places"])
            jurisdictions = [*states, *counties, *places]
            stances = self._stances(jurisdictions)
            self._awards(jurisdictions, programs, counts["awards"])
            self._statements(jurisdictions, stances, counts["statements"])
            self._actions(jurisdictions, stances, programs, counts["actions"])
            ids = [j["id"] for j in jurisdictions]
            Jurisdiction.objects.filter(pk__in=ids).update(
                risk_stale=True, risk_generation=F("risk_generation") + 1,
                risk_stale_since=self.now, timeline_stale_from=EARLIEST,
            )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        return SyntheticSummary(
            jurisdictions=len(jurisdictions), awards=self.n_awards,
            statements=self.n_statements, actions=self.n_actions, stances=self.n_stances,
            seconds=time.perf_counter() - started,
        )  # fmt: skip

    # --- building blocks -------------------------------------------------------------------

    def _bar(self, total: int, desc: str) -> tqdm:
        return tqdm(total=total, desc=desc, unit="rows", disable=self.quiet, leave=False)

    def _delete_previous(self) -> None:
        synthetic = Jurisdiction.objects.filter(slug__startswith="synthetic-")
        ids = list(synthetic.values_list("pk", flat=True))
        FederalAction.targets.through.objects.filter(jurisdiction_id__in=ids).delete()
        actions = FederalAction.objects.filter(title__startswith="Synthetic action ")
        FederalAction.targets.through.objects.filter(federalaction__in=actions).delete()
        FederalAction.programs.through.objects.filter(federalaction__in=actions).delete()
        FederalActionStatus.objects.filter(action__in=actions)._raw_delete(connection.alias)
        actions._raw_delete(connection.alias)
        RiskAssessment.objects.filter(jurisdiction_id__in=ids)._raw_delete(connection.alias)
        # Timelines and national totals are rebuilt whole by the recompute that follows.
        RiskTimelinePoint.objects.all()._raw_delete(connection.alias)
        TimelineTotal.objects.all()._raw_delete(connection.alias)
        Jurisdiction.objects.exclude(pk__in=ids).update(timeline_stale_from=EARLIEST)
        # Synthetic rows of the (real) states are recognised by their source.
        for model in (GrantAward, Statement, PolicyStance):
            model.objects.filter(source_url=SOURCE)._raw_delete(connection.alias)
        # Children before parents (places hang under counties).
        synthetic.filter(kind="city")._raw_delete(connection.alias)
        synthetic._raw_delete(connection.alias)

    def _programs(self) -> list[tuple[int, str, bool]]:
        found = {p.aln: p for p in GrantProgram.objects.filter(aln__in=[p[0] for p in PROGRAMS])}
        for aln, name, short, agency, attach in PROGRAMS:
            if aln not in found:
                found[aln] = GrantProgram.objects.create(
                    aln=aln, name=name, short_name=short, agency=agency,
                    conditions_attach=attach, source_url=SOURCE,
                )  # fmt: skip
        return [(found[p[0]].pk, found[p[0]].short_name or p[2], found[p[0]].conditions_attach)
                for p in PROGRAMS]  # fmt: skip

    def _population(self, median: float, sigma: float) -> int:
        return max(50, int(self.rng.lognormvariate(math.log(median), sigma)))

    def _states(self) -> list[dict[str, Any]]:
        existing = {j.fips: j for j in Jurisdiction.objects.filter(kind="state")}
        states = []
        for code, fips in STATE_FIPS.items():
            row = existing.get(fips)
            population = self._population(4_000_000, 0.8)  # drawn always: same sequence
            if row is None:
                row = Jurisdiction.objects.create(
                    slug=slugify(US_STATES[code]),
                    name=US_STATES[code], kind="state", state=code, fips=fips,
                    ocd_id=f"ocd-division/country:us/state:{code.lower()}"
                    if code != "DC" else "ocd-division/country:us/district:dc",
                    population=population, population_year=2022,
                    source_url=SOURCE,
                )  # fmt: skip
            states.append({"id": row.pk, "state": code, "fips": fips,
                           "population": row.population or 1_000_000, "kind": "state"})  # fmt: skip
        return states

    def _free_codes(self, prefix_len: int, start: int, stop: int, width: int,
                    prefix: str) -> Iterator[str]:  # fmt: skip
        taken = set(
            Jurisdiction.objects.filter(
                fips__startswith=prefix, fips__regex=rf"^\d{{{prefix_len + width}}}$"
            )
            .values_list("fips", flat=True)
        )  # fmt: skip
        for code in range(start, stop):
            fips = f"{prefix}{code:0{width}d}"
            if fips not in taken:
                yield fips

    def _counties(self, states: list[dict], total: int) -> list[dict[str, Any]]:
        per_state = [total // len(states) + (1 if i < total % len(states) else 0)
                     for i in range(len(states))]  # fmt: skip
        rows, counties = [], []
        for state, n in zip(states, per_state, strict=True):
            codes = self._free_codes(2, 900, 1000, 3, state["fips"])
            for index in range(n):
                fips = next(codes, None)
                if fips is None:
                    break
                number = f"{index:03d}"
                st = state["state"].lower()
                row = {
                    "slug": f"synthetic-county-{number}-{st}",
                    "name": f"Synthetic County {number}", "kind": "county",
                    "state": state["state"], "fips": fips,
                    "ocd_id": (
                        f"ocd-division/country:us/state:{st}/county:synthetic_county_{number}"
                    ),
                    "parent_id": state["id"], "population": self._population(25_000, 1.3),
                    "population_year": 2022, "source_url": SOURCE,
                    "notes": "Synthetic benchmark data.",
                }  # fmt: skip
                rows.append(row)
        with self._bar(len(rows), "counties") as bar:
            copy_rows(Jurisdiction, rows, now=self.now, progress=bar)
        ids = dict(Jurisdiction.objects.filter(slug__startswith="synthetic-county-")
                   .values_list("fips", "pk"))  # fmt: skip
        for row in rows:
            counties.append({"id": ids[row["fips"]], "state": row["state"], "fips": row["fips"],
                             "population": row["population"], "kind": "county"})  # fmt: skip
        return counties

    def _places(self, states: list[dict], counties: list[dict], total: int) -> list[dict]:
        by_state: dict[str, list[dict]] = {}
        for county in counties:
            by_state.setdefault(county["state"], []).append(county)
        per_state = [total // len(states) + (1 if i < total % len(states) else 0)
                     for i in range(len(states))]  # fmt: skip
        rows = []
        for state, n in zip(states, per_state, strict=True):
            codes = self._free_codes(2, 90_000, 100_000, 5, state["fips"])
            parents = by_state.get(state["state"]) or [state]
            st = state["state"].lower()
            for index in range(n):
                fips = next(codes, None)
                if fips is None:
                    break
                number = f"{index:05d}"
                parent = parents[self.rng.randrange(len(parents))]
                rows.append({
                    "slug": f"synthetic-place-{number}-{st}",
                    "name": f"Synthetic Place {number}", "kind": "city", "state": state["state"],
                    "fips": fips,
                    "ocd_id": f"ocd-division/country:us/state:{st}/place:synthetic_place_{number}",
                    "parent_id": parent["id"], "population": self._population(3_000, 1.6),
                    "population_year": 2022, "source_url": SOURCE,
                    "notes": "Synthetic benchmark data.",
                })  # fmt: skip
        with self._bar(len(rows), "places") as bar:
            copy_rows(Jurisdiction, rows, now=self.now, progress=bar)
        ids = dict(Jurisdiction.objects.filter(slug__startswith="synthetic-place-")
                   .values_list("fips", "pk"))  # fmt: skip
        return [{"id": ids[r["fips"]], "state": r["state"], "fips": r["fips"],
                 "population": r["population"], "kind": "city"} for r in rows]  # fmt: skip

    def _stances(self, jurisdictions: list[dict]) -> dict[int, str]:
        """One or two stance periods per synthetic county and place; returns the current code."""
        codes = [c for c, _ in STANCE_MIX]
        weights = [w for _, w in STANCE_MIX]
        current: dict[int, str] = {}
        rows = []
        updates = []
        for j in jurisdictions:
            if (
                j["kind"] == "state"
                and PolicyStance.objects.filter(jurisdiction_id=j["id"]).exists()
            ):
                continue
            code = self.rng.choices(codes, weights)[0]
            start = dt.date(2012, 1, 1) + dt.timedelta(days=self.rng.randrange(3_000))
            if self.rng.random() < 0.2:
                earlier = self.rng.choices(codes, weights)[0]
                rows.append({"jurisdiction_id": j["id"], "code": earlier,
                             "effective_from": start - dt.timedelta(days=1_500),
                             "effective_to": start - dt.timedelta(days=1),
                             "basis": "practice", "source_url": SOURCE})  # fmt: skip
            rows.append({"jurisdiction_id": j["id"], "code": code, "effective_from": start,
                         "effective_to": None,
                         "basis": "ordinance" if code == "sanctuary" else "practice",
                         "source_url": SOURCE})  # fmt: skip
            current[j["id"]] = code
            updates.append((j["id"], code, start))
        with self._bar(len(rows), "stances") as bar:
            self.n_stances = copy_rows(PolicyStance, rows, now=self.now, progress=bar)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE jurisdictions_jurisdiction AS j "
                "SET stance = v.code, stance_since = v.since "
                "FROM unnest(%s::bigint[], %s::varchar[], %s::date[]) AS v(id, code, since) "
                "WHERE j.id = v.id",
                [[u[0] for u in updates], [u[1] for u in updates], [u[2] for u in updates]],
            )
        return current

    def _awards(self, jurisdictions: list[dict], programs: list, total: int) -> None:
        """Awards spread by population: states and big places get more programs and awards."""
        weights = [math.sqrt(j["population"]) * (6 if j["kind"] == "state" else 1)
                   for j in jurisdictions]  # fmt: skip
        scale = total / sum(weights)

        def rows() -> Iterator[dict[str, Any]]:
            produced = 0
            for j, weight in zip(jurisdictions, weights, strict=True):
                n = max(1, round(weight * scale))
                if produced + n > total:
                    n = max(0, total - produced)
                if not n:
                    continue
                k = 13 if j["kind"] == "state" else min(13, 1 + int(math.log10(j["population"])))
                chosen = self.rng.sample(programs, k)
                for index in range(n):
                    program_id, short, _ = chosen[index % k]
                    year = FISCAL_YEARS[self.rng.randrange(len(FISCAL_YEARS))]
                    yield {
                        "jurisdiction_id": j["id"], "program_id": program_id,
                        "program_label": f"{short} award {index}", "fiscal_year": year,
                        "amount_usd": int(self.rng.lognormvariate(11.5, 1.2)),
                        "figure_kind": "award", "source_url": SOURCE,
                    }  # fmt: skip
                produced += n

        with self._bar(total, "awards") as bar:
            self.n_awards = copy_rows(GrantAward, rows(), now=self.now, progress=bar)

    def _statements(self, jurisdictions: list[dict], stances: dict[int, str], total: int) -> None:
        """Statements fall mostly on sanctuary and partial jurisdictions, defiant more often."""
        loud = [j["id"] for j in jurisdictions if stances.get(j["id"]) in {"sanctuary", "partial"}]
        everyone = [j["id"] for j in jurisdictions]
        start = dt.date(2017, 1, 1)
        span = (self.today - start).days

        def rows() -> Iterator[dict[str, Any]]:
            for index in range(total):
                pool = loud if loud and self.rng.random() < 0.7 else everyone
                position = self.rng.choices(POSITIONS, (0.45, 0.2, 0.2, 0.15))[0]
                yield {
                    "jurisdiction_id": pool[self.rng.randrange(len(pool))],
                    "speaker": f"Synthetic Official {index % 5_000:04d}", "speaker_role": "mayor",
                    "said_on": start + dt.timedelta(days=self.rng.randrange(span)),
                    "date_precision": "day", "position": position, "source_url": SOURCE,
                    "quote": f"Synthetic statement {index}: a {position} remark.",
                }  # fmt: skip

        with self._bar(total, "statements") as bar:
            self.n_statements = copy_rows(Statement, rows(), now=self.now, progress=bar)

    def _actions(self, jurisdictions: list[dict], stances: dict[int, str], programs: list,
                 total: int) -> None:  # fmt: skip
        """A few all-sanctuary actions, the rest aimed at lists of jurisdictions."""
        loud = [j["id"] for j in jurisdictions if stances.get(j["id"]) in {"sanctuary", "partial"}]
        everyone = [j["id"] for j in jurisdictions]
        rows, targets, covered, changes = [], [], [], []
        for index in range(total):
            kind = ACTION_KINDS[self.rng.randrange(len(ACTION_KINDS))]
            issued = dt.date(2017, 1, 1) + dt.timedelta(days=self.rng.randrange(3_200))
            status = self.rng.choices(("in_effect", "enjoined", "rescinded", "expired"),
                                      (0.7, 0.15, 0.1, 0.05))[0]  # fmt: skip
            rows.append({
                "kind": kind, "issuing_body": "Synthetic Department",
                "effect": EFFECT_OF_KIND[kind],
                "title": f"Synthetic action {index:04d}", "issued_on": issued,
                "status": status,
                "targets_all_sanctuary": index % 40 == 0,
                "covers_all_programs": index % 7 == 0, "source_url": SOURCE,
            })  # fmt: skip
        with self._bar(len(rows), "actions") as bar:
            self.n_actions = copy_rows(FederalAction, rows, now=self.now, progress=bar)
        ids = dict(FederalAction.objects.filter(title__startswith="Synthetic action ")
                   .values_list("title", "pk"))  # fmt: skip
        for row in rows:
            action_id = ids[str(row["title"])]
            if row["status"] != "in_effect":  # in effect for 90 days, then the status
                changes.append({
                    "action_id": action_id, "status": row["status"],
                    "effective_from": cast(dt.date, row["issued_on"]) + dt.timedelta(days=90),
                    "date_precision": "day", "source_url": SOURCE,
                })  # fmt: skip
            if not row["targets_all_sanctuary"]:
                pool = loud if loud and self.rng.random() < 0.8 else everyone
                for jid in set(self.rng.sample(pool, min(len(pool), self.rng.randint(1, 60)))):
                    targets.append({"federalaction_id": action_id, "jurisdiction_id": jid})
            if not row["covers_all_programs"]:
                for program_id, _, _ in self.rng.sample(programs, self.rng.randint(1, 3)):
                    covered.append({"federalaction_id": action_id, "grantprogram_id": program_id})
        copy_rows(FederalAction.targets.through, targets, now=self.now)
        copy_rows(FederalAction.programs.through, covered, now=self.now)
        copy_rows(FederalActionStatus, changes, now=self.now)
