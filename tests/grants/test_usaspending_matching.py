"""Matching USAspending recipients to jurisdictions: UEI, else legal name and state; never a
guess (no database needed)."""

from __future__ import annotations

import pytest

from grants.usaspending.matching import (
    JurisdictionRef,
    RecipientMatcher,
    jurisdiction_name_forms,
    recipient_name_normalized,
)

CHICAGO = JurisdictionRef(1, "Chicago", "city", "IL")
COOK = JurisdictionRef(2, "Cook County", "county", "IL")
ILLINOIS = JurisdictionRef(3, "Illinois", "state", "IL")
NYC = JurisdictionRef(4, "New York City", "city", "NY")
NEW_YORK = JurisdictionRef(5, "New York State", "state", "NY")
SAN_FRANCISCO = JurisdictionRef(6, "San Francisco", "consolidated", "CA")
ST_PAUL = JurisdictionRef(7, "St. Paul", "city", "MN")
MIAMI_DADE = JurisdictionRef(8, "Miami-Dade County", "county", "FL")
BALTIMORE = JurisdictionRef(9, "Baltimore", "consolidated", "MD")
BALTIMORE_COUNTY = JurisdictionRef(10, "Baltimore County", "county", "MD")
DC = JurisdictionRef(11, "District of Columbia", "state", "DC")
TESTVILLE = JurisdictionRef(12, "Testville", "city", "CA", uei="ZZOTHER00000; zztestuei001")
EVERY = (CHICAGO, COOK, ILLINOIS, NYC, NEW_YORK, SAN_FRANCISCO, ST_PAUL, MIAMI_DADE, BALTIMORE,
         BALTIMORE_COUNTY, DC, TESTVILLE)  # fmt: skip


@pytest.fixture
def matcher() -> RecipientMatcher:
    return RecipientMatcher.build(EVERY)


def test_names_are_normalised_for_comparison() -> None:
    assert recipient_name_normalized("The City & County of San Francisco") == (
        "CITY AND COUNTY OF SAN FRANCISCO"
    )
    assert recipient_name_normalized("Chicago, City of") == "CHICAGO CITY OF"
    assert recipient_name_normalized("CITY OF SAINT PAUL") == recipient_name_normalized(
        "City of St. Paul"
    )
    assert recipient_name_normalized("MIAMI-DADE COUNTY") == "MIAMI DADE COUNTY"


def test_forms_follow_the_kind_of_government() -> None:
    assert jurisdiction_name_forms(name="Cook County", kind="county", state="IL") == {
        "COOK COUNTY", "COUNTY OF COOK", "COOK COUNTY OF",
    }  # fmt: skip
    assert "STATE OF NEW YORK" in jurisdiction_name_forms(
        name="New York State", kind="state", state="NY"
    )
    assert {"CITY OF NEW YORK", "NEW YORK CITY"} <= jurisdiction_name_forms(
        name="New York City", kind="city", state="NY"
    )


@pytest.mark.parametrize(
    ("name", "state", "types", "expected"),
    [
        ("CITY OF CHICAGO", "IL", "C", CHICAGO),
        ("CHICAGO, CITY OF", "IL", "", CHICAGO),  # the older "NAME, CITY OF" order
        ("COUNTY OF COOK", "IL", "B", COOK),
        ("COOK COUNTY", "IL", "B", COOK),
        ("STATE OF ILLINOIS", "IL", "A", ILLINOIS),
        ("ILLINOIS CRIMINAL JUSTICE INFORMATION AUTHORITY", "IL", "A", ILLINOIS),  # an agency
        ("CITY OF NEW YORK", "NY", "C", NYC),
        ("STATE OF NEW YORK", "NY", "A", NEW_YORK),
        ("CITY & COUNTY OF SAN FRANCISCO", "CA", "B", SAN_FRANCISCO),
        ("CITY OF SAINT PAUL", "MN", "C", ST_PAUL),
        ("MIAMI-DADE COUNTY", "FL", "B", MIAMI_DADE),
        ("MAYOR AND CITY COUNCIL OF BALTIMORE", "MD", "C", BALTIMORE),
        ("BALTIMORE COUNTY", "MD", "B", BALTIMORE_COUNTY),
        ("GOVERNMENT OF THE DISTRICT OF COLUMBIA", "DC", "A", DC),
    ],
)
def test_legal_names_match_in_their_state(matcher, name, state, types, expected) -> None:
    assert matcher.match(uei="", name=name, state=state, business_types=types) == expected.id


@pytest.mark.parametrize(
    ("name", "state", "types"),
    [
        ("CITY OF CHICAGO", "IN", "C"),  # another state
        ("CHICAGO", "IL", "C"),  # a bare name says not which government
        ("CITY OF CHICAGO", "IL", "M"),  # a nonprofit of that name is not the city
        ("CITY OF CHICAGO", "IL", "A"),  # a state agency cannot be the city, nor the state
        ("COOK COUNTY HEALTH FOUNDATION", "IL", "M"),
        ("CHICAGO PUBLIC SCHOOLS", "IL", "G"),
        ("UNIVERSITY OF ILLINOIS", "IL", "H"),  # state university: not the state government
        ("ILLINOIS COUNTY SHERIFFS ASSOCIATION", "IL", "A"),  # names a county: no guess
        ("STATE OF ILLINOIS", "", "A"),  # no state code
        ("STATE OF OHIO", "OH", "A"),  # a state not on record
    ],
)
def test_no_guess(matcher, name, state, types) -> None:
    assert matcher.match(uei="", name=name, state=state, business_types=types) is None


def test_uei_recorded_on_the_jurisdiction_wins(matcher) -> None:
    found = matcher.match(
        uei="ZZTESTUEI001", name="TESTVILLE POLICE DEPARTMENT", state="CA", business_types="X"
    )
    assert found == TESTVILLE.id
    # Any state, any name: the UEI is the entity.
    assert matcher.match(uei="zzother00000", name="", state="", business_types="") == TESTVILLE.id
    assert matcher.match(uei="ZZUNKNOWN000", name="TESTVILLE POLICE", state="CA") is None


def test_a_name_or_uei_two_jurisdictions_share_matches_neither() -> None:
    twins = RecipientMatcher.build(
        [
            JurisdictionRef(1, "Springfield", "city", "IL", uei="ZZSHARED0000"),
            JurisdictionRef(2, "Springfield", "consolidated", "IL", uei="ZZSHARED0000"),
        ]
    )
    assert twins.match(uei="", name="CITY OF SPRINGFIELD", state="IL", business_types="C") is None
    assert twins.match(uei="ZZSHARED0000", name="", state="IL") is None
    assert any("ZZSHARED0000" in problem for problem in twins.problems)
    assert any("CITY OF SPRINGFIELD" in problem for problem in twins.problems)
