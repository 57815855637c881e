"""Which jurisdiction a USAspending recipient is: by UEI recorded on the jurisdiction, else by
the government's legal name in its state. Conservative: a name that fits two jurisdictions, or
a recipient whose own business type says it is another kind of entity, matches nothing.

Rules, in order:

1. UEI: the recipient's UEI is one recorded on exactly one jurisdiction (``Jurisdiction.uei``,
   several separated by ``;``).
2. Name and state: the recipient's normalised name is one of the legal-name forms of exactly
   one jurisdiction of its state, and its business type (``business_types_code``, when given)
   is that kind of government: ``A`` state, ``B`` county, ``C`` city or township (either for a
   consolidated city-county). The forms, for Chicago IL, Cook County IL and Illinois:
   ``CITY OF CHICAGO`` / ``CHICAGO CITY OF``; ``COOK COUNTY`` / ``COUNTY OF COOK`` /
   ``COOK COUNTY OF``; ``STATE OF ILLINOIS`` / ``ILLINOIS STATE OF`` (and ``COMMONWEALTH OF``).
   Consolidated city-counties also go by ``CITY AND COUNTY OF X``; Maryland cities by
   ``MAYOR AND CITY COUNCIL OF X``; a name ending in "City" is a form of its own
   (``NEW YORK CITY``) and also gives ``CITY OF NEW YORK``.
3. A state's agencies: a recipient whose business type is ``A`` (State government) and whose
   name names no city, county or town is the state of its address (``recipient_state_code``),
   when that state is on record.
Normalising: upper case, accents dropped, ``&`` read as AND, punctuation dropped, hyphens and
slashes as spaces, the word THE dropped, SAINT written ST.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from jurisdictions.choices import US_STATES, JurisdictionKind

# The business type letter of each kind of government (USAspending's business_types_map).
KIND_BUSINESS_TYPES = {
    JurisdictionKind.STATE: frozenset("A"),
    JurisdictionKind.COUNTY: frozenset("B"),
    JurisdictionKind.CITY: frozenset("C"),
    JurisdictionKind.CONSOLIDATED: frozenset("BC"),
}
_LOCAL_WORDS = frozenset({"CITY", "COUNTY", "PARISH", "BOROUGH", "TOWN", "TOWNSHIP", "VILLAGE"})
_COUNTY_WORDS = ("COUNTY", "PARISH", "BOROUGH")
# Remembered matches: recipients repeat across rows; the cache is dropped when it fills.
CACHE_SIZE = 100_000


def recipient_name_normalized(name: str) -> str:
    """A government's name in one spelling, for comparing names (see the module docstring)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().upper()
    text = text.replace("&", " AND ")
    text = re.sub(r"[.,'\"()`]", "", text)
    text = re.sub(r"[-/]", " ", text)
    words = ["ST" if word == "SAINT" else word for word in text.split() if word != "THE"]
    return " ".join(words)


def jurisdiction_name_forms(*, name: str, kind: str, state: str) -> set[str]:
    """The normalised legal-name forms a recipient may use for this jurisdiction."""
    forms: set[str] = set()
    if kind == JurisdictionKind.STATE:
        full = recipient_name_normalized(US_STATES.get(state, name))
        for word in ("STATE", "COMMONWEALTH"):
            forms |= {f"{word} OF {full}", f"{full} {word} OF"}
        if state == "DC":
            forms |= {"DISTRICT OF COLUMBIA", "GOVERNMENT OF DISTRICT OF COLUMBIA"}
        return forms
    normalized = recipient_name_normalized(name)
    if kind == JurisdictionKind.COUNTY:
        for word in _COUNTY_WORDS:
            if normalized.endswith(f" {word}"):
                base = normalized.removesuffix(f" {word}")
                forms |= {normalized, f"{word} OF {base}", f"{base} {word} OF"}
        return forms
    bases = {normalized}
    if normalized.endswith(" CITY"):
        forms.add(normalized)
        bases.add(normalized.removesuffix(" CITY"))
    for base in bases:
        forms |= {f"CITY OF {base}", f"{base} CITY OF", f"MAYOR AND CITY COUNCIL OF {base}"}
        if kind == JurisdictionKind.CONSOLIDATED:
            forms |= {f"CITY AND COUNTY OF {base}", f"{base} CITY AND COUNTY OF"}
    return forms


@dataclass(frozen=True, slots=True)
class JurisdictionRef:
    """What matching needs of a jurisdiction."""

    id: int
    name: str
    kind: str
    state: str
    uei: str = ""


@dataclass
class RecipientMatcher:
    """Matches recipients to jurisdictions by the rules of the module docstring.

    ``problems`` lists what the jurisdictions' own records make unusable (a UEI on two of them,
    a name form two of them share); those never match.
    """

    by_uei: dict[str, int] = field(default_factory=dict)
    by_name: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    states: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    _cache: dict[tuple[str, str, str, str], int | None] = field(default_factory=dict)

    @classmethod
    def build(cls, jurisdictions: Iterable[JurisdictionRef]) -> RecipientMatcher:
        matcher = cls()
        ueis: dict[str, set[int]] = defaultdict(set)
        names: dict[tuple[str, str], set[tuple[int, str]]] = defaultdict(set)
        states: dict[str, set[int]] = defaultdict(set)
        labels: dict[int, str] = {}
        for ref in jurisdictions:
            labels[ref.id] = f"{ref.name} ({ref.state})"
            for uei in filter(None, (part.strip().upper() for part in ref.uei.split(";"))):
                ueis[uei].add(ref.id)
            for form in jurisdiction_name_forms(name=ref.name, kind=ref.kind, state=ref.state):
                names[(ref.state, form)].add((ref.id, ref.kind))
            if ref.kind == JurisdictionKind.STATE:
                states[ref.state].add(ref.id)
        for uei, ids in sorted(ueis.items()):
            if len(ids) == 1:
                matcher.by_uei[uei] = next(iter(ids))
            else:
                listed = ", ".join(sorted(labels[i] for i in ids))
                matcher.problems.append(f"UEI {uei} is recorded on {listed}: not used")
        for (state, form), found in sorted(names.items()):
            if len(found) == 1:
                matcher.by_name[(state, form)] = next(iter(found))
            else:
                listed = ", ".join(sorted(labels[i] for i, _ in found))
                matcher.problems.append(f"'{form}' ({state}) fits {listed}: not used")
        matcher.states = {state: next(iter(ids)) for state, ids in states.items() if len(ids) == 1}
        return matcher

    def match(self, *, uei: str, name: str, state: str, business_types: str = "") -> int | None:
        """The id of the recipient's jurisdiction, or None."""
        key = (uei, name, state, business_types)
        if key in self._cache:
            return self._cache[key]
        found = self._match(uei=uei.strip().upper(), name=name, state=state.strip().upper(),
                            types=frozenset(business_types.strip().upper()))  # fmt: skip
        if len(self._cache) >= CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = found
        return found

    def _match(self, *, uei: str, name: str, state: str, types: frozenset[str]) -> int | None:
        if uei and uei in self.by_uei:
            return self.by_uei[uei]
        if not state:
            return None
        normalized = recipient_name_normalized(name)
        found = self.by_name.get((state, normalized))
        if found is not None:
            jurisdiction_id, kind = found
            if not types or types & KIND_BUSINESS_TYPES[kind]:  # type: ignore[index]
                return jurisdiction_id
            return None
        if "A" in types and not _LOCAL_WORDS & set(normalized.split()):
            return self.states.get(state)
        return None
