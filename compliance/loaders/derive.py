"""What the reference files lack, derived by each field's conventions: slugs and Open Civic
Data division ids of jurisdictions."""

from __future__ import annotations

import re
import unicodedata

from django.utils.text import slugify

from jurisdictions.choices import US_STATES, JurisdictionKind

KIND_BY_LABEL = {
    "state": JurisdictionKind.STATE,
    "county": JurisdictionKind.COUNTY,
    "city": JurisdictionKind.CITY,
    "consolidated city-county": JurisdictionKind.CONSOLIDATED,
}
# Where the dataset's common name differs from the Census place name that Open Civic Data
# division ids are built from.
OCD_PLACE_NAMES = {"New York City": "new_york", "Louisville Metro": "louisville"}


def jurisdiction_slug(*, name: str, kind: str, state: str) -> str:
    """SPEC.md's URL key: ``california`` for a state, ``cook-county-il`` otherwise."""
    if kind == JurisdictionKind.STATE:
        return slugify(US_STATES[state])
    return f"{slugify(name)}-{state.lower()}"


def _ocd_segment(text: str) -> str:
    """Open Civic Data id rules: lowercase, spaces to underscores, only [a-z0-9._~-]."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = folded.lower().strip().replace(" ", "_")
    return re.sub(r"[^a-z0-9._~-]", "", folded)


def jurisdiction_ocd_id(*, name: str, kind: str, state: str) -> str:
    """The Open Civic Data division id (``ocd-division/country:us/state:ny/place:new_york``)."""
    root = "ocd-division/country:us"
    if state == "DC":
        return f"{root}/district:dc"
    state_part = f"{root}/state:{state.lower()}"
    if kind == JurisdictionKind.STATE:
        return state_part
    if kind == JurisdictionKind.COUNTY:
        county = re.sub(r"\s+County$", "", name)
        return f"{state_part}/county:{_ocd_segment(county)}"
    place = OCD_PLACE_NAMES.get(name, name)
    return f"{state_part}/place:{_ocd_segment(place)}"
