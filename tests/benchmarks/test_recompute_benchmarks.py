"""Benchmarks of the recompute pipeline (figures in docs/performance.md).

By default these run small and fast (`make test`): a 1% synthetic dataset, one timing round.
The national figures come from explicit runs:

    pytest tests/benchmarks -m benchmark_national -s
    pytest tests/benchmarks -k one_jurisdiction --benchmark-enable -s
    pytest tests/benchmarks -k save_to_visible -s
"""

from __future__ import annotations

import datetime as dt
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from compliance.models import RiskAssessment
from compliance.services.recompute import risk_assessment_record
from jurisdictions.models import Jurisdiction
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    PolicyStanceFactory,
    StatementFactory,
)
from tests.helpers import exposed_city, settled, wait_for

ROOT = Path(__file__).resolve().parents[2]
SCALE = float(os.environ.get("RISK_BENCH_SCALE", "1"))


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _recompute_twice(scale: float) -> list[tuple[int, float, int]]:
    """Generate the synthetic dataset, then time `recompute_risk` in its own process (so its
    peak RSS is its own): the first run writes every row, the second finds nothing new.
    Returns (jurisdictions, seconds, peak MB) per run."""
    call_command("generate_synthetic_data", seed=42, scale=scale, no_progress=True)
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_DEBUG": "true"}
    figures = []
    for _ in range(2):
        out = subprocess.run(
            [sys.executable, "manage.py", "recompute_risk", "--no-progress"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        print(out.strip())
        match = re.search(
            r"Recomputed ([\d,]+) jurisdictions in ([\d.]+)s.*peak memory (\d+) MB", out
        )
        assert match, out
        figures.append((int(match[1].replace(",", "")), float(match[2]), int(match[3])))
    count = Jurisdiction.objects.count()
    assert all(f[0] == count for f in figures)
    assert not Jurisdiction.objects.filter(risk_stale=True).exists()
    assert RiskAssessment.objects.count() == count, "the second run wrote no history"
    assert all(f[2] < 512 for f in figures), figures
    return figures


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_small_recompute_time_and_memory() -> None:
    """The quick version for every test run: a 1% dataset (277 jurisdictions). The first run
    also builds every timeline from the first record on; the second recomputes current
    figures."""
    figures = _recompute_twice(0.01)
    assert figures[0][1] <= 10.0, figures
    assert figures[1][1] <= 2.0, figures


@pytest.mark.benchmark_national
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_national_recompute_time_and_memory() -> None:
    """The national figure: about 22,700 jurisdictions and a million awards."""
    figures = _recompute_twice(SCALE)
    assert figures[0][0] > 20_000 * SCALE
    # The target holds for a national recompute of current data (the second run). The first
    # run also rewrites every row and inserts 22,700 history rows: recorded in
    # docs/performance.md, bounded here only loosely.
    assert figures[1][1] <= 5.0, figures
    assert figures[0][1] <= 10.0, figures


@pytest.mark.django_db
@pytest.mark.usefixtures("postgres")
def test_one_jurisdiction_recompute(benchmark) -> None:
    """One busy city: 200 statements, 40 awards, 20 actions (queries do not grow with rows)."""
    city = JurisdictionFactory()
    PolicyStanceFactory(jurisdiction=city)
    programs = [GrantProgramFactory() for _ in range(4)]
    for index in range(40):
        GrantAwardFactory(
            jurisdiction=city, program=programs[index % 4], fiscal_year=2016 + index // 4,
            program_label=f"award {index}",
        )  # fmt: skip
    StatementFactory.create_batch(200, jurisdiction=city)
    for index in range(20):
        FederalActionFactory(targets=[city], programs=[programs[index % 4]])
    risk_assessment_record(jurisdiction_id=city.pk)

    result = benchmark.pedantic(
        risk_assessment_record, kwargs={"jurisdiction_id": city.pk}, rounds=50, warmup_rounds=3
    )
    assert result is not None
    if benchmark.enabled:
        print(f"one jurisdiction: median {benchmark.stats['median'] * 1000:.2f} ms")
        assert benchmark.stats["median"] <= 0.010


@pytest.mark.pipeline
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres", "redis_url")
def test_statement_save_to_visible_assessment_p95(worker) -> None:
    """Save a statement, wait until its assessment is visible; 20 samples, quiet in between."""
    from tests.helpers import clear_queue_keys

    year = timezone.localdate().year
    city = exposed_city(fiscal_years=(year, year + 1))
    wait_for(settled(city), what="the first assessment")
    samples = []
    for index in range(20):
        time.sleep(1.2)  # past the coalescing window: each save is a lone save
        clear_queue_keys()
        before = RiskAssessment.objects.filter(jurisdiction=city).count()
        started = time.perf_counter()
        StatementFactory(
            jurisdiction=city, said_on=timezone.localdate() - dt.timedelta(days=index),
            position="defiant",
        )  # fmt: skip
        wait_for(
            lambda before=before: RiskAssessment.objects.filter(jurisdiction=city).count() > before
            and not Jurisdiction.objects.get(pk=city.pk).risk_stale,
            timeout=15, what="the assessment",
        )  # fmt: skip
        samples.append(time.perf_counter() - started)
    p95 = statistics.quantiles(samples, n=20)[18]
    print(f"save-to-visible: median {statistics.median(samples) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms over {len(samples)} samples")  # fmt: skip
    assert p95 < 1.0
