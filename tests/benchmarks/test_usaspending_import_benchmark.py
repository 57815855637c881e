"""Benchmark of ``import_usaspending`` on a generated prime-transactions download.

Small by default (2,000 rows, part of every test run); the figure in the README comes from

    USASPENDING_BENCH_ROWS=200000 pytest tests/benchmarks/test_usaspending_import_benchmark.py -s

The command runs in its own process, so its peak memory is its own: it must stay bounded (the
CSV is streamed and written in batches), whatever the number of rows.
"""

from __future__ import annotations

import csv
import os
import random
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from grants.models import GrantAward, UsaspendingTransaction
from tests.factories import GrantProgramFactory, JurisdictionFactory

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "usaspending" / "prime_transactions_fy2019_fy2020.csv"
ROWS = int(os.environ.get("USASPENDING_BENCH_ROWS", "2000"))
CITIES = 300
# Peak memory the import may use, whatever the file's size.
MEMORY_CEILING_MB = 400


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def write_download(path: Path, rows: int, *, seed: int = 7) -> None:
    """A prime-transactions CSV in the real 112-column layout with fictional rows: city
    governments that match (``CITY OF BENCHVILLE n``), some that match nothing, a program not on
    record, de-obligations, awards spread over ten fiscal years."""
    with FIXTURE.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    column = {name: index for index, name in enumerate(header)}
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for number in range(rows):
            cells = [""] * len(header)
            award = number // 4  # four transactions an award
            city = award % (CITIES + CITIES // 10)  # one in eleven matches no city
            year = 2015 + award % 10
            month = rng.randint(1, 12)
            day = f"{year if month < 10 else year - 1}-{month:02d}-{rng.randint(1, 28):02d}"
            aln = ("16.738", "16.710", "16.738", "93.778")[award % 4]
            cents = rng.randint(1_000_00, 2_000_000_00)
            if number % 4 == 3:
                cents = -rng.randint(1, 500_00)  # a de-obligation
            cells[column["assistance_transaction_unique_key"]] = f"BENCH_TX_{number:09d}"
            cells[column["assistance_award_unique_key"]] = f"ASST_NON_BENCH-{award:08d}_015"
            cells[column["award_id_fain"]] = f"BENCH-{award:08d}"
            cells[column["federal_action_obligation"]] = f"{cents / 100:.2f}"
            cells[column["action_date"]] = day
            cells[column["action_date_fiscal_year"]] = str(year)
            cells[column["recipient_uei"]] = f"ZZBENCH{city:05d}"
            cells[column["recipient_name"]] = (
                f"CITY OF BENCHVILLE {city}" if city < CITIES else f"BENCH NONPROFIT {city}"
            )
            cells[column["recipient_state_code"]] = "CA"
            cells[column["cfda_number"]] = aln
            cells[column["cfda_title"]] = "BENCHMARK PROGRAM"
            cells[column["business_types_code"]] = "C" if city < CITIES else "M"
            cells[column["transaction_description"]] = "BENCHMARK - fictional transaction " * 3
            writer.writerow(cells)


def _import(path: Path) -> tuple[float, int, str]:
    """Run the command in its own process: (seconds, its peak RSS in MB, its output)."""
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_DEBUG": "true"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "manage.py", "import_usaspending", str(path), "--no-progress"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024, out


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("postgres")
def test_import_time_and_memory(tmp_path) -> None:
    for aln in ("16.738", "16.710"):
        GrantProgramFactory(aln=aln)
    for city in range(CITIES):
        JurisdictionFactory(name=f"Benchville {city}", state="CA")
    download = tmp_path / "Assistance_PrimeTransactions_bench.csv"
    write_download(download, ROWS)
    size_mb = download.stat().st_size / 1e6

    first = _import(download)
    again = _import(download)  # the same download: nothing counted twice
    print(
        f"\nimport_usaspending, {ROWS:,} rows ({size_mb:.0f} MB): first run {first[0]:.1f}s "
        f"({ROWS / first[0]:,.0f} rows/s), again {again[0]:.1f}s; peak memory "
        f"{max(first[1], again[1])} MB"
    )
    match = re.search(r"([\d,]+) rows read, ([\d,]+) matched", first[2])
    assert match, first[2]
    assert int(match[1].replace(",", "")) == ROWS
    # Every row is kept but those under the program not on record (every fourth award).
    kept = sum(1 for number in range(ROWS) if (number // 4) % 4 != 3)
    assert UsaspendingTransaction.objects.count() == kept
    assert "figures 0 created, 0 updated, 0 removed" in again[2]
    assert GrantAward.objects.exists()
    assert max(first[1], again[1]) < MEMORY_CEILING_MB
