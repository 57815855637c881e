"""Every coefficient and threshold of the funding-at-risk method, in one documented place.

Change a number here and bump :data:`METHOD_VERSION`: every stored assessment records the version
it was computed with, so a change of method never silently rewrites history. The weights table
in the README ("How funding at risk is computed") mirrors this module; a test checks it.
"""

from __future__ import annotations

# Recorded on every Assessment; bump on any change below or in the engine's arithmetic.
METHOD_VERSION = "2026.3"

# --- Vocabularies: the one list of each code set -------------------------------------------
# The codes are SPEC.md's lowercase values, with the words shown for them. The Django
# ``TextChoices`` (``compliance.choices``, ``jurisdictions.choices``) are built from these
# dictionaries and never retyped; a test checks that every weight below covers its list.

STANCES: dict[str, str] = {
    "sanctuary": "Sanctuary",
    "partial": "Partial",
    "unknown": "Unknown",
    "cooperative": "Cooperative",
    "enforcing": "Enforcing",
}
POSITIONS: dict[str, str] = {
    "defiant": "Defiant",
    "conciliatory": "Conciliatory",
    "neutral": "Neutral",
    "supportive": "Supportive",
}
ACTION_KINDS: dict[str, str] = {
    "executive_order": "Executive order",
    "doj_letter": "DOJ letter",
    "grant_condition": "Grant condition",
    "public_list": "Published list",
    "subpoena": "Subpoena",
    "funding_withheld": "Funding withheld",
    "clawback_demand": "Clawback demand",
    "lawsuit": "Lawsuit",
    "court_ruling": "Court ruling",
    "other": "Other",  # memos, remarks, hearings, meetings
}
EFFECTS: dict[str, str] = {
    "threat": "Threat",
    "condition": "Condition",
    "withholding": "Withholding",
    "clawback": "Clawback",
    "injunction": "Injunction",
    "rescission": "Rescission",
    "none": "None",
}
STATUSES: dict[str, str] = {
    "in_effect": "In effect",
    "enjoined": "Enjoined",
    "rescinded": "Rescinded",
    "vacated": "Vacated",
    "expired": "Expired",
}
# Levels from lowest to highest; a score of 0 is "none".
LEVELS: dict[str, str] = {
    "none": "None",
    "low": "Low",
    "elevated": "Elevated",
    "high": "High",
    "severe": "Severe",
}
# Kinds of money figure, most reliable first. For one program and fiscal year the engine uses
# the most reliable kind public on the date; a budget line spans programs and never counts.
FIGURE_KINDS: dict[str, str] = {
    "award": "Award",
    "allocation": "Formula allocation",
    "estimate": "Estimate",
    "budget": "Budget line",
}
# What an assessment may lack on its date (SPEC "Data gaps"); shown, never hidden.
DATA_GAPS: dict[str, str] = {
    "no_stance": "No sourced stance on the date",
    "no_awards": "No award figure on record for any conditioned program",
    "stale_awards": "The newest award figure is more than three fiscal years old",
    "approximate": "A figure in exposure is approximate or an estimate",
}
# On which side a driver weighs on the date.
DRIVER_ROLES: dict[str, str] = {
    "raises": "Raises the figure",
    "protects": "Protects",
    "none": "No effect on this date",
}
# What a driver's evidence is.
EVIDENCE_KINDS: dict[str, str] = {
    "stance": "Stance",
    "statement": "Statement",
    "action": "Federal action",
    "injunction": "Court order",
    "award": "Grant award",
}

# --- Stance -------------------------------------------------------------------------------

# How far a jurisdiction's stance inclines it toward not meeting federal immigration conditions
# (0 = no inclination, 1 = certain). It scales the likelihood that an action's threat is carried
# out against this jurisdiction; see DISPOSITION_FLOOR for the part that does not depend on it.
STANCE_FACTOR: dict[str, float] = {
    "sanctuary": 0.80,  # formal policy limiting cooperation: the conditions' main target
    "partial": 0.55,  # limits some cooperation: partly in conflict with the conditions
    "unknown": 0.35,  # no recorded policy: assume a middle value, below partial
    "cooperative": 0.10,  # cooperates: only a residual chance of being found non-compliant
    "enforcing": 0.00,  # partners with enforcement: no inclination to refuse the conditions
}

# The stance assumed when no stance period covers the as-of date; also the baseline a stance
# driver is measured against.
BASELINE_STANCE = "unknown"

# Stances reached by an action that targets "every sanctuary jurisdiction" (SPEC: sanctuary or
# partial on the date).
ALL_SANCTUARY_STANCES = frozenset({"sanctuary", "partial"})

# --- Federal actions ----------------------------------------------------------------------

# Likelihood that one in-effect action removes the money it covers, by effect; several actions
# combine as independent chances (1 - product of (1 - severity)). Ordered
# none < threat < condition < withholding < clawback, strictly, so a more severe effect always
# weighs more.
ACTION_SEVERITY: dict[str, float] = {
    "none": 0.00,  # no funding consequence of its own (e.g. a jurisdiction's lawsuit)
    "threat": 0.15,  # a stated intention to cut funds: often not carried out
    "condition": 0.40,  # a condition written into the award: refusal makes the money ineligible
    "withholding": 0.80,  # money already held back: most of it stays lost until a court acts
    "clawback": 0.90,  # repayment demanded: reaches back into money already spent
}

# Effects that shield the jurisdiction rather than threaten it. An in-effect injunction or
# rescission blocks the adverse actions on its programs that were issued on or before its own
# date: a court enjoins, and an agency withdraws, measures that exist, and a later action is a
# new measure that needs its own ruling.
PROTECTIVE_EFFECTS = frozenset({"injunction", "rescission"})

# Only these statuses count as active; enjoined, rescinded, vacated and expired actions do not.
# An action is in effect from its own date until its first recorded status change, and its
# status on a date is the latest change on or before it.
ACTIVE_STATUSES = frozenset({"in_effect"})

# Share of an action's likelihood that holds whatever the jurisdiction's stance and statements:
# agencies act on lists and formulas, so even a cooperative target carries some risk.
DISPOSITION_FLOOR = 0.25

# --- Statements ---------------------------------------------------------------------------

# Weight of one fresh statement by position. Positive weights add to the jurisdiction's
# defiance, which pulls the stance factor toward 1; negative ones add to its restraint, which
# pulls it toward 0. Both saturate (1 - e^-sum), so adding a defiant statement can only raise
# risk and adding a conciliatory one can only lower it. Restraint weights are smaller because
# they act on the larger distance (a sanctuary factor of 0.80 is 0.20 from 1 but 0.80 from 0).
STATEMENT_WEIGHT: dict[str, float] = {
    "defiant": 0.50,  # refuses federal demands: raises the chance the conditions are refused
    "neutral": 0.00,  # no position: no effect
    "conciliatory": -0.10,  # signals willingness to accommodate: lowers it a little
    "supportive": -0.20,  # supports federal demands: lowers it more
}

# A statement's weight halves every this many days: words from six months ago count half. Its
# age is counted to the first of the as-of month (zero within the month it was said), so the
# weight steps monthly and figures hold between a timeline's points.
STATEMENT_HALF_LIFE_DAYS = 180

# --- Money in scope -----------------------------------------------------------------------

# The current award of a program is its most recent fiscal year on or before the as-of fiscal
# year, carried forward up to this many years: formula grants (Byrne JAG, say) recur yearly, so
# when no newer figure exists the latest known award stands in for the current year's money;
# an award older than 10 years is too stale to stand in.
CURRENT_AWARD_CARRY_FORWARD_YEARS = 10

# A clawback reaches the fiscal years from (as-of fiscal year - this) up to the as-of fiscal
# year: 2 CFR 200.334 keeps award records for three years, the practical window for recovery.
# The years of this window other than the current award's year are the "prior disbursed" money
# a clawback brings into exposure. (The current award may be older than the window: it is
# exposure already, and a clawback adds nothing older than the window.)
CLAWBACK_LOOKBACK_YEARS = 3

# A figure known when its publication date is not: public at the end of its federal fiscal year
# (30 September), the latest date by which a year's award is normally on record.
UNKNOWN_PUBLICATION = "end of fiscal year"

# The newest figure in scope older than this many fiscal years before the as-of fiscal year is
# flagged ``stale_awards``.
STALE_AWARD_YEARS = 3

# The largest figure the engine publishes: a quadrillion dollars, far above any government's
# federal money and far below what the bigint money columns hold. A sum above it means a
# record is out of range; the engine refuses it rather than publish or overflow.
MAX_FIGURE_USD = 10**15

# --- Score and level ----------------------------------------------------------------------

# Lowest score of each level above "none" (score = 100 x likelihood, 0-100).
LEVEL_FLOORS: dict[str, int] = {
    "low": 1,  # any unblocked adverse action on conditioned money in scope
    "elevated": 10,  # about a threat against a sanctuary jurisdiction
    "high": 30,  # about a grant condition against a sanctuary jurisdiction
    "severe": 60,  # about money withheld or clawed back
}
