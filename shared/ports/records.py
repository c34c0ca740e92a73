"""Records-system port (ESDH): an SBSYS-style REST client in production, a local archive embedded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class RecordDocument:
    """One document to journalise. ``key`` is stable per hearing so a rerun files nothing twice."""

    key: str
    title: str
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class FiledDocument:
    key: str
    title: str
    filename: str
    content_type: str
    sha256: str
    size: int
    reference: str  # where the records system keeps it


class RecordsSystem(Protocol):
    def file_document(self, case_number: str, hearing_id: str, document: RecordDocument) -> FiledDocument:
        """File a document into the case; filing the same key again returns the earlier filing."""
        ...

    def write_manifest(self, case_number: str, hearing_id: str, manifest: dict[str, object]) -> str:
        """Record what was filed; returns a reference to the manifest."""
        ...

    def read_manifest(self, case_number: str, hearing_id: str) -> dict[str, object] | None: ...
