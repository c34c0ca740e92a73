"""The local records archive: journalised documents kept in a blob container.

Stands in for the records system (ESDH) on a developer machine and in tests. Layout::

    {case_number}/{hearing_id}/{key}/{filename}
    {case_number}/{hearing_id}/manifest.json

Filing is idempotent per key, so an archiving run that stopped half way can simply run again.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any
from urllib.parse import unquote

from shared.ports.files import FileExists, FileInfo, FileStore
from shared.ports.records import CaseRequest, FiledDocument, RecordConflict, RecordDocument

MANIFEST_NAME = "manifest.json"
CLOSED_NAME = "closed.json"


def path_segment(value: str) -> str:
    """One blob-name segment that cannot climb out of or split its folder.

    Escapes ``%``, slashes, backslashes and control characters as ``%XX`` (so distinct values stay
    distinct), and the dots of ``.``, ``..`` and a trailing dot, which Blob Storage treats specially.
    """
    if not value:
        raise ValueError("a path segment cannot be empty")
    escaped = "".join(f"%{ord(ch):02X}" if ch in "%/\\" or ord(ch) < 0x20 or ord(ch) == 0x7F else ch for ch in value)
    if escaped in {".", ".."}:
        return "%2E" * len(escaped)
    if escaped.endswith("."):
        return escaped[:-1] + "%2E"
    return escaped


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class BlobRecordsArchive:
    """RecordsSystem kept in ``container`` of a FileStore."""

    def __init__(self, files: FileStore, container: str) -> None:
        self._files = files
        self._container = container

    def ensure_case(self, request: CaseRequest) -> str:
        """The local archive has no cases of its own: a folder per hearing is the case."""
        return request.case_number or f"hearing-{request.hearing_id}"

    def close_case(self, case_number: str, hearing_id: str) -> None:
        name = self._hearing_folder(case_number, hearing_id) + CLOSED_NAME
        try:
            self._files.write(self._container, name, b'{"closed": true}\n', "application/json", overwrite=False)
        except FileExists:
            pass  # closed before

    def _hearing_folder(self, case_number: str, hearing_id: str) -> str:
        return f"{path_segment(case_number)}/{path_segment(hearing_id)}/"

    def file_document(self, case_number: str, hearing_id: str, document: RecordDocument) -> FiledDocument:
        key_folder = f"{self._hearing_folder(case_number, hearing_id)}{path_segment(document.key)}/"
        name = key_folder + path_segment(document.filename)
        sha256 = hashlib.sha256(document.content).hexdigest()

        earlier = self._files.list(self._container, key_folder)
        if earlier:
            return self._earlier_filing(document, sha256, min(earlier, key=lambda info: info.name))
        try:
            self._files.write(self._container, name, document.content, document.content_type, overwrite=False)
        except FileExists:
            # Another run filed this key between our look and our write.
            info = self._files.info(self._container, name)
            if info is None:  # deleted again in between; nothing sensible to compare with
                raise
            return self._earlier_filing(document, sha256, info)
        return FiledDocument(
            key=document.key,
            title=document.title,
            filename=document.filename,
            content_type=document.content_type,
            sha256=sha256,
            size=len(document.content),
            reference=name,
        )

    def _earlier_filing(self, document: RecordDocument, sha256: str, info: FileInfo) -> FiledDocument:
        stored = self._files.read(self._container, info.name)
        stored_sha256 = hashlib.sha256(stored).hexdigest()
        if stored_sha256 != sha256:
            raise RecordConflict(document.key, info.name)
        return FiledDocument(
            key=document.key,
            title=document.title,
            filename=unquote(info.name.rsplit("/", 1)[-1]),
            content_type=info.content_type or document.content_type,
            sha256=stored_sha256,
            size=len(stored),
            reference=info.name,
        )

    def write_manifest(self, case_number: str, hearing_id: str, manifest: dict[str, object]) -> str:
        name = self._hearing_folder(case_number, hearing_id) + MANIFEST_NAME
        body = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, default=_json_default) + "\n"
        # The manifest is written last and is a pure function of what was filed, so a rerun may replace it.
        self._files.write(self._container, name, body.encode("utf-8"), "application/json", overwrite=True)
        return name

    def read_manifest(self, case_number: str, hearing_id: str) -> dict[str, object] | None:
        name = self._hearing_folder(case_number, hearing_id) + MANIFEST_NAME
        try:
            data = self._files.read(self._container, name)
        except FileNotFoundError:
            return None
        manifest = json.loads(data)
        if not isinstance(manifest, dict):
            raise TypeError(f"{name} does not hold a JSON object")
        return manifest
