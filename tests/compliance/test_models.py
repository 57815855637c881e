"""The database itself refuses rows that break the domain's rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from compliance.models import FederalAction, Statement
from grants.models import GrantAward, GrantProgram
from jurisdictions.models import Jurisdiction, PolicyStance
from tests.factories import (
    FederalActionFactory,
    GrantAwardFactory,
    GrantProgramFactory,
    JurisdictionFactory,
    PolicyStanceFactory,
    StatementFactory,
)

pytestmark = pytest.mark.django_db


def refused(callable_) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_negative_award_amount_is_refused() -> None:
    award = GrantAwardFactory()
    award.amount_usd = -1
    refused(award.save)
    with pytest.raises(ValidationError) as error:
        award.full_clean()
    assert "amount_usd" in error.value.message_dict


def test_duplicate_slug_fips_and_ocd_id_are_refused() -> None:
    first = JurisdictionFactory()
    refused(lambda: JurisdictionFactory(slug=first.slug))
    refused(lambda: JurisdictionFactory(fips=first.fips))
    refused(lambda: JurisdictionFactory(ocd_id=first.ocd_id))
    assert Jurisdiction.objects.count() == 1


def test_fips_must_match_the_kind() -> None:
    refused(lambda: JurisdictionFactory(kind="state", fips="0644000"))
    refused(lambda: JurisdictionFactory(kind="county", fips="06"))
    JurisdictionFactory(kind="consolidated", fips="21111")  # a county GEOID is allowed


def test_duplicate_assistance_listing_is_refused() -> None:
    GrantProgram.objects.create(
        aln="16.738", name="Byrne JAG", agency="DOJ", source_url="https://example.org/p"
    )
    refused(
        lambda: GrantProgram.objects.create(
            aln="16.738", name="Copy", agency="DOJ", source_url="https://example.org/p"
        )
    )
    refused(
        lambda: GrantProgram.objects.create(
            aln="16-738", name="Malformed", agency="DOJ", source_url="https://example.org/p"
        )
    )


def test_duplicate_award_identifier_is_refused() -> None:
    GrantAwardFactory(award_id="2010-DJ-BX-0800", program_label="A")
    refused(lambda: GrantAwardFactory(award_id="2010-DJ-BX-0800", program_label="B"))
    # Awards without an identifier do not collide with each other.
    GrantAwardFactory(award_id="", program_label="C")
    GrantAwardFactory(award_id="", program_label="D")
    assert GrantAward.objects.filter(award_id="").count() == 2


@pytest.mark.parametrize(
    "factory",
    [StatementFactory, FederalActionFactory, GrantAwardFactory, PolicyStanceFactory],
)
def test_missing_source_url_is_refused(factory) -> None:
    refused(lambda: factory(source_url=""))
    instance = factory.build(source_url="")
    with pytest.raises(ValidationError) as error:
        instance.full_clean(exclude=["jurisdiction", "program"])
    assert "source_url" in error.value.message_dict


def test_overlapping_stance_periods_are_refused_by_postgres(postgres) -> None:
    city = JurisdictionFactory()
    PolicyStanceFactory(
        jurisdiction=city, effective_from=dt.date(2014, 1, 1), effective_to=dt.date(2020, 12, 31)
    )
    # Starts inside the first period: the exclusion constraint refuses it.
    refused(
        lambda: PolicyStanceFactory(
            jurisdiction=city, effective_from=dt.date(2020, 6, 1), effective_to=dt.date(2021, 1, 1)
        )
    )
    # Adjacent periods are fine.
    PolicyStanceFactory(jurisdiction=city, effective_from=dt.date(2021, 1, 1), effective_to=None)
    assert PolicyStance.objects.filter(jurisdiction=city).count() == 2


def test_overlapping_stance_periods_fail_validation_on_any_database() -> None:
    city = JurisdictionFactory()
    PolicyStanceFactory(jurisdiction=city, effective_from=dt.date(2014, 1, 1))
    clash = PolicyStance(
        jurisdiction=city,
        code="partial",
        effective_from=dt.date(2018, 1, 1),
        basis="ordinance",
        source_url="https://example.org/s",
    )
    with pytest.raises(ValidationError) as error:
        clash.full_clean()
    message = error.value.message_dict["effective_from"][0]
    assert "overlaps" in message
    assert "still open: give it an end date first" in message


def test_only_one_open_stance_period_per_jurisdiction() -> None:
    city = JurisdictionFactory()
    PolicyStanceFactory(jurisdiction=city, effective_from=dt.date(2014, 1, 1))
    refused(lambda: PolicyStanceFactory(jurisdiction=city, effective_from=dt.date(2030, 1, 1)))


def test_stance_period_cannot_end_before_it_starts() -> None:
    refused(
        lambda: PolicyStanceFactory(
            effective_from=dt.date(2020, 1, 1), effective_to=dt.date(2019, 1, 1)
        )
    )


def test_statement_needs_a_quote_and_a_known_position() -> None:
    refused(lambda: StatementFactory(quote=""))
    refused(lambda: StatementFactory(position="furious"))
    assert Statement.objects.count() == 0


def test_action_codes_are_checked() -> None:
    refused(lambda: FederalActionFactory(effect="explosion"))
    refused(lambda: FederalActionFactory(status="pending"))
    refused(lambda: FederalActionFactory(kind="tweet"))
    assert FederalAction.objects.count() == 0


def test_statement_official_must_hold_office_in_the_jurisdiction() -> None:
    from tests.factories import OfficialFactory

    official = OfficialFactory()
    statement = StatementFactory.build(jurisdiction=JurisdictionFactory(), official=official)
    with pytest.raises(ValidationError) as error:
        statement.full_clean()
    assert "official" in error.value.message_dict


def test_award_label_defaults_to_the_program_name() -> None:
    program = GrantProgramFactory(short_name="Byrne JAG")
    award = GrantAwardFactory(program=program, program_label="")
    assert award.program_label == "Byrne JAG"
