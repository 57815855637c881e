"""What importing a USAspending file reports: its figures, conflicts and unmatched recipients."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import UsaspendingFile

Group = tuple[int, str, int]  # jurisdiction id, Assistance Listing, fiscal year


@dataclass(frozen=True, slots=True)
class RecipientTotal:
    """A recipient no jurisdiction matched, with what it received under programs on record."""

    uei: str
    name: str
    state: str
    rows: int
    obligation_cents: int


@dataclass
class FileImportResult:
    """What importing one file did."""

    file: UsaspendingFile
    figures_created: int = 0
    figures_updated: int = 0
    figures_removed: int = 0
    # Figures of another source kept as they are (the import never adds a second figure).
    conflicts: list[str] = field(default_factory=list)
    # Assistance Listings skipped (no program on record): ALN -> (rows, title).
    skipped_programs: dict[str, tuple[int, str]] = field(default_factory=dict)
    unmatched: list[RecipientTotal] = field(default_factory=list)
    unmatched_recipients: int = 0
    unmatched_capped: bool = False  # more recipients than UNMATCHED_KEPT: the count is a floor
    unmatched_cents: int = 0
    # A file of the same content imported before.
    same_content_as: UsaspendingFile | None = None
    jurisdiction_ids: set[int] = field(default_factory=set)

    @property
    def figures_changed(self) -> int:
        return self.figures_created + self.figures_updated + self.figures_removed
