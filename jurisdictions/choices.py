"""Enumerations of the jurisdictions app; values are SPEC.md's lowercase codes.

The stance codes and risk levels are the engine's own lists (``compliance.risk.weights``): a
jurisdiction stores both, and the engine defines them.
"""

from django.db import models

from compliance.core.choices import text_choices
from compliance.risk.weights import LEVELS, STANCES


class JurisdictionKind(models.TextChoices):
    STATE = "state", "State"
    COUNTY = "county", "County"
    CITY = "city", "City"
    CONSOLIDATED = "consolidated", "Consolidated city-county"


StanceCode = text_choices("StanceCode", STANCES)
RiskLevel = text_choices("RiskLevel", LEVELS)


class StanceBasis(models.TextChoices):
    ORDINANCE = "ordinance", "Ordinance"
    EXECUTIVE_ORDER = "executive_order", "Executive order"
    STATE_LAW = "state_law", "State law"
    COURT_ORDER = "court_order", "Court order"
    PRACTICE = "practice", "Practice or written policy"


class DatePrecision(models.TextChoices):
    DAY = "day", "Exact day"
    MONTH = "month", "Month only (first day used)"
    YEAR = "year", "Year only (first day used)"
    APPROXIMATE = "approximate", "Approximate"
    PUBLISHED = "published", "Publication date"


class OfficialRole(models.TextChoices):
    MAYOR = "mayor", "Mayor"
    POLICE_CHIEF = "police_chief", "Police chief or commissioner"
    SHERIFF = "sheriff", "Sheriff"
    GOVERNOR = "governor", "Governor"
    COUNTY_EXECUTIVE = "county_executive", "County executive"
    ATTORNEY_GENERAL = "attorney_general", "Attorney general"
    OTHER = "other", "Other"


# Two-letter USPS codes of the states and DC, with their names.
US_STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
    "PR": "Puerto Rico",
}
