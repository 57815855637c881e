"""The synthetic dataset's fixed parts: state codes, programs, sizes and mixes, and the COPY
writer that loads its rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection, models
from tqdm import tqdm

STATE_FIPS = {
    "AL": "01", "AK": "02", "AZ": "04", "AR": "05", "CA": "06", "CO": "08", "CT": "09",
    "DE": "10", "DC": "11", "FL": "12", "GA": "13", "HI": "15", "ID": "16", "IL": "17",
    "IN": "18", "IA": "19", "KS": "20", "KY": "21", "LA": "22", "ME": "23", "MD": "24",
    "MA": "25", "MI": "26", "MN": "27", "MS": "28", "MO": "29", "MT": "30", "NE": "31",
    "NV": "32", "NH": "33", "NJ": "34", "NM": "35", "NY": "36", "NC": "37", "ND": "38",
    "OH": "39", "OK": "40", "OR": "41", "PA": "42", "RI": "44", "SC": "45", "SD": "46",
    "TN": "47", "TX": "48", "UT": "49", "VT": "50", "VA": "51", "WA": "53", "WV": "54",
    "WI": "55", "WY": "56",
}  # fmt: skip

# (ALN, name, short name, agency, immigration conditions attach)
PROGRAMS = (
    ("16.738", "Edward Byrne Memorial Justice Assistance Grant Program", "Byrne JAG", "DOJ", True),
    ("16.710", "Public Safety Partnership and Community Policing Grants", "COPS", "DOJ", True),
    ("16.606", "State Criminal Alien Assistance Program", "SCAAP", "DOJ", True),
    ("16.575", "Crime Victim Assistance", "VOCA Assistance", "DOJ", True),
    ("16.576", "Crime Victim Compensation", "VOCA Compensation", "DOJ", False),
    ("16.588", "Violence Against Women Formula Grants", "STOP", "DOJ", False),
    ("97.067", "Homeland Security Grant Program", "HSGP", "DHS", True),
    ("97.042", "Emergency Management Performance Grants", "EMPG", "DHS", True),
    ("97.036", "Disaster Grants - Public Assistance", "FEMA PA", "DHS", False),
    ("14.267", "Continuum of Care Program", "CoC", "HUD", True),
    ("14.218", "Community Development Block Grants/Entitlement Grants", "CDBG", "HUD", True),
    ("20.507", "Federal Transit Formula Grants", "Transit 5307", "DOT", True),
    ("20.205", "Highway Planning and Construction", "Federal-aid Highway", "DOT", False),
)

BASE = {"states": 51, "counties": 3_100, "places": 19_500, "awards": 1_000_000,
        "statements": 100_000, "actions": 300}  # fmt: skip
FISCAL_YEARS = tuple(range(2021, 2028))
STANCE_MIX = (("sanctuary", 0.08), ("partial", 0.07), ("unknown", 0.35),
              ("cooperative", 0.35), ("enforcing", 0.15))  # fmt: skip
POSITIONS = ("defiant", "conciliatory", "neutral", "supportive")
SOURCE = "https://example.org/synthetic"
ACTION_KINDS = ("doj_letter", "grant_condition", "executive_order", "public_list",
                "funding_withheld", "clawback_demand", "court_ruling", "subpoena")  # fmt: skip
EFFECT_OF_KIND = {
    "doj_letter": "threat", "grant_condition": "condition", "executive_order": "threat",
    "public_list": "threat", "funding_withheld": "withholding", "clawback_demand": "clawback",
    "court_ruling": "injunction", "subpoena": "none",
}  # fmt: skip


def copy_rows(model: type[models.Model], rows: Iterable[dict[str, Any]], *, now: dt.datetime,
              progress: tqdm | None = None) -> int:  # fmt: skip
    """COPY rows into a model's table; fields a row leaves out take the model's default."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[arg-type]
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        else:
            defaults[f.attname] = f.get_default()
    names = [f.attname for f in fields]
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([row.get(name, defaults[name]) for name in names])
            count += 1
            if progress is not None and count % 10_000 == 0:
                progress.update(10_000)
    if progress is not None:
        progress.update(count % 10_000)
    return count
