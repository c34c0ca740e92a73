"""Records-system port (ESDH): an SBSYS-style REST client in production, a local archive embedded."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class RecordStep(StrEnum):
    """The step of the case a document belongs to; the records system files it under that step."""

    HEARING_TEXT = "hearing_text"  # the hearing text and the material published with it
    RESPONSE = "response"  # a response, its original where it was redacted, its attachments
    CONCLUSION = "conclusion"  # the conclusion and the hearing memo (høringsnotat)


class RecordConflict(ValueError):
    """The records system holds another version of a document under this key. Filing again cannot help:
    the records system must never hold two versions under one key, so a person compares the two."""

    def __init__(self, key: str, reference: str) -> None:
        super().__init__(f"document key {key!r} was filed earlier with different content ({reference})")
        self.key = key
        self.reference = reference


@dataclass(frozen=True)
class RecordDocument:
    """One document to journalise. ``key`` is stable per hearing so a rerun files nothing twice."""

    key: str
    title: str
    filename: str
    content_type: str
    content: bytes
    step: RecordStep = RecordStep.HEARING_TEXT
    parent_key: str | None = None  # an attachment names the response it came with


@dataclass(frozen=True)
class FiledDocument:
    key: str
    title: str
    filename: str
    content_type: str
    sha256: str
    size: int
    reference: str  # where the records system keeps it


@dataclass(frozen=True)
class CaseRequest:
    """What a case is opened from when a hearing is created."""

    hearing_id: str
    title: str
    kle: str | None  # chooses the records system's case template
    owner: str  # the caseworker's logon id in the records system
    case_number: str | None = None  # a case the caseworker already has; used as it is


class RecordsSystem(Protocol):
    def ensure_case(self, request: CaseRequest) -> str:
        """The case number for the hearing: the one it already has, or a new case. Asking again
        for the same hearing returns the same case."""
        ...

    def file_document(self, case_number: str, hearing_id: str, document: RecordDocument) -> FiledDocument:
        """File a document into the case; filing the same key again returns the earlier filing."""
        ...

    def write_manifest(self, case_number: str, hearing_id: str, manifest: dict[str, object]) -> str:
        """Record what was filed; returns a reference to the manifest."""
        ...

    def read_manifest(self, case_number: str, hearing_id: str) -> dict[str, object] | None: ...

    def close_case(self, case_number: str, hearing_id: str) -> None:
        """Mark the case done once everything is filed; closing a closed case changes nothing."""
        ...
