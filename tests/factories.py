"""factory_boy factories for every model."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from compliance.choices import ActionEffect, ActionKind, StatementPosition
from compliance.models import FederalAction, RiskAssessment, Statement, Subscription
from grants.choices import Agency, FigureKind
from grants.models import GrantAward, GrantProgram
from jurisdictions.choices import (
    DatePrecision,
    JurisdictionKind,
    OfficialRole,
    StanceBasis,
    StanceCode,
)
from jurisdictions.models import Jurisdiction, Official, PolicyStance


class UserFactory(DjangoModelFactory[object]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class JurisdictionFactory(DjangoModelFactory[Jurisdiction]):
    class Meta:
        model = Jurisdiction

    name = factory.Sequence(lambda n: f"Testville {n}")
    slug = factory.Sequence(lambda n: f"testville-{n}-zz")
    kind = JurisdictionKind.CITY
    state = "CA"
    fips = factory.Sequence(lambda n: f"{9000000 + n:07d}")
    ocd_id = factory.Sequence(lambda n: f"ocd-division/country:us/state:ca/place:testville_{n}")
    population = 100_000
    population_year = 2021
    source_url = "https://example.org/jurisdiction"


class StateFactory(JurisdictionFactory):
    kind = JurisdictionKind.STATE
    name = factory.Sequence(lambda n: f"State {n}")
    slug = factory.Sequence(lambda n: f"state-{n}")
    fips = factory.Sequence(lambda n: f"{(n % 90) + 10:02d}")
    ocd_id = factory.Sequence(lambda n: f"ocd-division/country:us/state:s{n}")


class OfficialFactory(DjangoModelFactory[Official]):
    class Meta:
        model = Official

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    name = factory.Sequence(lambda n: f"Official {n}")
    role = OfficialRole.MAYOR
    term_start = None
    term_end = None
    term_start_precision = factory.LazyAttribute(lambda o: "day" if o.term_start else "")
    term_end_precision = factory.LazyAttribute(lambda o: "day" if o.term_end else "")
    source_url = "https://example.org/official"


class PolicyStanceFactory(DjangoModelFactory[PolicyStance]):
    class Meta:
        model = PolicyStance

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    code = StanceCode.SANCTUARY
    effective_from = dt.date(2014, 1, 1)
    effective_to = None
    basis = StanceBasis.ORDINANCE
    source_url = "https://example.org/stance"


class GrantProgramFactory(DjangoModelFactory[GrantProgram]):
    class Meta:
        model = GrantProgram
        django_get_or_create = ("aln",)

    aln = factory.Sequence(lambda n: f"{10 + n // 1000:02d}.{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"Program {n}")
    short_name = factory.Sequence(lambda n: f"P{n}")
    agency = Agency.DOJ
    conditions_attach = True
    source_url = "https://example.org/program"


class GrantAwardFactory(DjangoModelFactory[GrantAward]):
    class Meta:
        model = GrantAward

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    program = factory.SubFactory(GrantProgramFactory)
    fiscal_year = 2025
    amount_usd = 1_000_000
    figure_kind = FigureKind.AWARD
    # Public from the first day of its fiscal year (1 October of the year before).
    published_on = factory.LazyAttribute(lambda award: dt.date(award.fiscal_year - 1, 10, 1))
    published_on_precision = DatePrecision.DAY
    source_url = "https://example.org/award"


class StatementFactory(DjangoModelFactory[Statement]):
    class Meta:
        model = Statement

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    speaker = factory.Sequence(lambda n: f"Speaker {n}")
    speaker_role = "mayor"
    said_on = dt.date(2025, 3, 1)
    quote = factory.Sequence(lambda n: f"We will not be intimidated, statement {n}.")
    position = StatementPosition.DEFIANT
    source_url = "https://example.org/statement"


class FederalActionFactory(DjangoModelFactory[FederalAction]):
    class Meta:
        model = FederalAction
        skip_postgeneration_save = True

    kind = ActionKind.DOJ_LETTER
    issuing_body = "U.S. Department of Justice"
    title = factory.Sequence(lambda n: f"Letter {n}")
    issued_on = dt.date(2025, 2, 1)
    effect = ActionEffect.THREAT
    source_url = "https://example.org/action"

    @factory.post_generation
    def targets(self, create: bool, extracted: list[Jurisdiction] | None, **kwargs: object) -> None:
        if create and extracted:
            self.targets.set(extracted)

    @factory.post_generation
    def programs(
        self, create: bool, extracted: list[GrantProgram] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            self.programs.set(extracted)


class RiskAssessmentFactory(DjangoModelFactory[RiskAssessment]):
    class Meta:
        model = RiskAssessment

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    computed_at = factory.LazyFunction(lambda: dt.datetime(2025, 3, 1, tzinfo=dt.UTC))
    as_of = dt.date(2025, 3, 1)
    method_version = "test"
    exposure_usd = 1_000_000
    max_at_risk_usd = 500_000
    funding_at_risk_usd = 250_000
    score = 40
    level = "elevated"
    stance = "sanctuary"
    fingerprint = factory.Sequence(lambda n: f"fp{n}")


class SubscriptionFactory(DjangoModelFactory[Subscription]):
    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    kind = Subscription.Kind.JURISDICTION
    jurisdiction = factory.SubFactory(JurisdictionFactory)
    email = Subscription.Email.IMMEDIATE
