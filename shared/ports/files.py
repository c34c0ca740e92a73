"""File port: Azure Blob Storage (Azurite locally) through azure-storage-blob."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol


@dataclass(frozen=True)
class FileInfo:
    container: str
    name: str
    size: int
    content_type: str | None
    etag: str


class FileExists(Exception):
    """A write without overwrite found a file already there."""


class FileStore(Protocol):
    def upload_url(self, container: str, name: str, valid_for: timedelta) -> str:
        """A URL a browser can PUT the file to directly (write-only, short-lived)."""
        ...

    def download_url(self, container: str, name: str, valid_for: timedelta) -> str: ...

    def read(self, container: str, name: str) -> bytes: ...

    def write(
        self,
        container: str,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        overwrite: bool = False,
    ) -> None:
        """Store a file; raises FileExists when it is there and overwrite is False."""
        ...

    def info(self, container: str, name: str) -> FileInfo | None: ...

    def list(self, container: str, prefix: str = "") -> list[FileInfo]: ...

    def delete(self, container: str, name: str) -> None: ...

    def check(self) -> None:
        """A cheap round trip to the backing service for the health answer; raises when it is down."""
        ...
