"""The recompute_risk and generate_synthetic_data commands."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from compliance.models import RiskAssessment
from grants.models import GrantAward
from jurisdictions.models import Jurisdiction
from tests.factories import GrantAwardFactory, GrantProgramFactory, JurisdictionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres", "redis_url")]


def test_recompute_risk_in_process_by_slug_and_state() -> None:
    a = JurisdictionFactory(slug="alpha-zz", state="OR")
    b = JurisdictionFactory(slug="beta-zz", state="WA")
    out = io.StringIO()
    call_command("recompute_risk", slug=["alpha-zz"], no_progress=True, stdout=out)
    assert "Recomputed 1 jurisdictions" in out.getvalue()
    assert RiskAssessment.objects.filter(jurisdiction=a).count() == 1
    assert not RiskAssessment.objects.filter(jurisdiction=b).exists()
    call_command("recompute_risk", state=["wa"], no_progress=True, stdout=out)
    assert Jurisdiction.objects.get(pk=b.pk).risk_stale is False
    with pytest.raises(CommandError, match="nowhere"):
        call_command("recompute_risk", slug=["nowhere"], no_progress=True)


def test_recompute_risk_enqueue_queues_chunks(queued) -> None:
    cities = JurisdictionFactory.create_batch(3)
    out = io.StringIO()
    call_command("recompute_risk", enqueue=True, stdout=out)
    assert sorted(i for job in queued for i in job) == sorted(c.pk for c in cities)
    assert "Queued 3 of 3" in out.getvalue()


def test_program_change_marks_its_award_holders(queued, django_capture_on_commit_callbacks):
    program = GrantProgramFactory()
    holder = GrantAwardFactory(program=program).jurisdiction
    JurisdictionFactory()
    queued.clear()
    from tests.helpers import clear_queue_keys

    clear_queue_keys()
    with django_capture_on_commit_callbacks(execute=True):
        program.conditions_attach = False
        program.save()
    assert queued == [[holder.pk]]


def test_generate_synthetic_data_small_and_deterministic() -> None:
    out = io.StringIO()
    call_command("generate_synthetic_data", seed=7, scale=0.005, no_progress=True, stdout=out)
    first = list(GrantAward.objects.order_by("id").values_list("amount_usd", "fiscal_year")[:50])
    counties = Jurisdiction.objects.filter(kind="county", slug__startswith="synthetic-").count()
    assert counties == round(3_100 * 0.005)
    assert Jurisdiction.objects.filter(kind="state").count() >= 51
    assert Jurisdiction.objects.filter(risk_stale=False).count() == 0
    with pytest.raises(CommandError, match="--replace"):
        call_command("generate_synthetic_data", seed=7, scale=0.005, no_progress=True)
    call_command(
        "generate_synthetic_data", seed=7, scale=0.005, no_progress=True, replace=True, stdout=out
    )
    again = list(GrantAward.objects.order_by("id").values_list("amount_usd", "fiscal_year")[:50])
    assert again == first
