"""Malware verdicts from Microsoft Defender for Storage (on-upload malware scanning).

Defender scans every blob written to the account and writes its verdict into the blob's index tags
(``Malware Scanning scan result``: ``No threats found`` or ``Malicious``); it also publishes an Event
Grid event, which carries the threat's name. This adapter reads the tag. A blob trigger can run before
the scan has finished, so a blob without the tag yet raises ScanPending and the trigger is retried.
"""

from __future__ import annotations

from typing import Any, Protocol

from azure.core.exceptions import ResourceNotFoundError

from shared.ports.malware import ScanPending, ScanVerdict
from shared.settings import azurite_connection_string

RESULT_TAG = "Malware Scanning scan result"
CLEAN = "No threats found"
MALICIOUS = "Malicious"


class _TaggedBlobs(Protocol):
    """The part of azure.storage.blob.BlobServiceClient this adapter uses."""

    def get_blob_client(self, container: str, blob: str) -> Any: ...


class DefenderScanResults:
    def __init__(self, client: _TaggedBlobs) -> None:
        self._client = client

    @classmethod
    def with_managed_identity(cls, account_url: str) -> DefenderScanResults:
        from azure.storage.blob import BlobServiceClient

        from shared.adapters.azure_credential import managed_identity

        return cls(BlobServiceClient(account_url, credential=managed_identity()))

    @classmethod
    def from_connection_string(cls, connection_string: str) -> DefenderScanResults:
        from azure.storage.blob import BlobServiceClient

        if connection_string.strip().rstrip(";").lower() == "usedevelopmentstorage=true":
            connection_string = azurite_connection_string()
        return cls(BlobServiceClient.from_connection_string(connection_string))

    def scan(self, container: str, name: str, data: bytes) -> ScanVerdict:
        try:
            tags: dict[str, str] = self._client.get_blob_client(container, name).get_blob_tags() or {}
        except ResourceNotFoundError as error:
            raise FileNotFoundError(f"{container}/{name}") from error
        result = tags.get(RESULT_TAG)
        if result is None:
            raise ScanPending(f"Defender for Storage has not scanned {container}/{name} yet")
        if result == CLEAN:
            return ScanVerdict()
        # "Malicious" or a state this code does not know: never let it through.
        return ScanVerdict(f"Defender for Storage: {result}")
