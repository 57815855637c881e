"""An imported USAspending download reaches the assessment through the real pipeline: the
import marks the city stale in its transaction, queues it once, and a real Celery worker
recomputes it with the new figure."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from compliance.models import RiskAssessment
from compliance.risk.periods import federal_fiscal_year
from tests.helpers import exposed_city, settled, wait_for

pytestmark = [
    pytest.mark.pipeline,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("postgres", "redis_url"),
]

FIXTURE = (
    Path(__file__).resolve().parents[1]
    / "fixtures" / "usaspending" / "prime_transactions_fy2019_fy2020.csv"
)  # fmt: skip


def test_an_imported_award_reaches_the_assessment(worker, tmp_path) -> None:
    today = timezone.localdate()
    year = federal_fiscal_year(today)
    # Chicago with last-but-one year's Byrne JAG figure ($2,000,000) and a withholding.
    city = exposed_city(fiscal_years=(year - 2,), name="Chicago", state="IL", slug="chicago-il")
    first = wait_for(settled(city), what="the first assessment")
    assert first.exposure_usd == 2_000_000

    # This fiscal year's award, as USAspending lists it (fictional values).
    with FIXTURE.open(newline="", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    cells = dict.fromkeys(header, "")
    cells.update({
        "assistance_transaction_unique_key": "TEST_TX_PIPELINE_1",
        "assistance_award_unique_key": "ASST_NON_TEST-FAIN-PIPELINE_015",
        "award_id_fain": "TEST-FAIN-PIPELINE", "federal_action_obligation": "3000000.00",
        "action_date": today.isoformat(), "action_date_fiscal_year": str(year),
        "recipient_name": "CITY OF CHICAGO", "recipient_state_code": "IL",
        "business_types_code": "C", "cfda_number": "16.738",
    })  # fmt: skip
    download = tmp_path / "download.csv"
    with download.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow([cells[name] for name in header])

    call_command("import_usaspending", str(download), "--no-progress", stdout=io.StringIO())

    def recomputed() -> RiskAssessment | None:
        latest = settled(city)()
        return latest if latest is not None and latest.pk != first.pk else None

    latest = wait_for(recomputed, what="the recompute after the import")
    assert isinstance(latest, RiskAssessment)
    (program,) = latest.programs
    assert (program["aln"], program["award_fiscal_year"], program["exposure_usd"]) == (
        "16.738", year, 3_000_000,
    )  # fmt: skip
    assert latest.exposure_usd == 3_000_000
