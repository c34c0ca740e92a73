"""File store on Azure Blob Storage; the same code runs against Azurite on a developer machine."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import (
    BlobSasPermissions,
    BlobServiceClient,
    ContentSettings,
    UserDelegationKey,
    generate_blob_sas,
)

from shared.ports.files import FileExists, FileInfo
from shared.settings import azurite_connection_string

# Tolerates a browser or server clock a little ahead of Azure's when a SAS is used at once.
_CLOCK_SKEW = timedelta(minutes=5)
# A user delegation key may live up to seven days; one per day keeps signing local and cheap.
_DELEGATION_KEY_LIFETIME = timedelta(days=1)


class BlobFileStore:
    """FileStore on Blob Storage. Signs URLs with the account key or, under a managed identity,
    with a user delegation key (account keys stay disabled in Azure)."""

    def __init__(self, client: BlobServiceClient, account_key: str | None = None) -> None:
        self._client = client
        self._account_key = account_key
        self._delegation_key: UserDelegationKey | None = None
        self._delegation_key_expiry = datetime.min.replace(tzinfo=UTC)
        self._lock = threading.Lock()

    @classmethod
    def from_connection_string(cls, connection_string: str) -> BlobFileStore:
        if connection_string.strip().rstrip(";").lower() == "usedevelopmentstorage=true":
            connection_string = azurite_connection_string()
        client = BlobServiceClient.from_connection_string(connection_string)
        account_key = getattr(client.credential, "account_key", None)
        return cls(client, account_key)

    @classmethod
    def with_managed_identity(cls, account_url: str) -> BlobFileStore:
        from shared.adapters.azure_credential import managed_identity

        return cls(BlobServiceClient(account_url, credential=managed_identity()))

    @property
    def account_name(self) -> str:
        name: str = self._client.account_name or ""
        return name

    def ensure_containers(self, names: Iterable[str]) -> None:
        for name in names:
            try:
                self._client.create_container(name)
            except ResourceExistsError:
                pass

    # --- URLs a browser uses directly -------------------------------------------------------

    def upload_url(self, container: str, name: str, valid_for: timedelta) -> str:
        # Create and write only: the holder can put this one blob, never read or list anything.
        return self._signed_url(container, name, BlobSasPermissions(create=True, write=True), valid_for)

    def download_url(self, container: str, name: str, valid_for: timedelta) -> str:
        return self._signed_url(container, name, BlobSasPermissions(read=True), valid_for)

    def _signed_url(self, container: str, name: str, permission: BlobSasPermissions, valid_for: timedelta) -> str:
        if valid_for <= timedelta():
            raise ValueError("valid_for must be positive")
        now = datetime.now(UTC)
        start, expiry = now - _CLOCK_SKEW, now + valid_for
        if self._account_key is not None:
            token = generate_blob_sas(
                self.account_name,
                container,
                name,
                account_key=self._account_key,
                permission=permission,
                start=start,
                expiry=expiry,
            )
        else:
            token = generate_blob_sas(
                self.account_name,
                container,
                name,
                user_delegation_key=self._user_delegation_key(expiry),
                permission=permission,
                start=start,
                expiry=expiry,
            )
        url: str = self._client.get_blob_client(container, name).url
        return f"{url}?{token}"

    def _user_delegation_key(self, needed_until: datetime) -> UserDelegationKey:
        with self._lock:
            if self._delegation_key is None or self._delegation_key_expiry < needed_until:
                now = datetime.now(UTC)
                expiry = max(now + _DELEGATION_KEY_LIFETIME, needed_until)
                self._delegation_key = self._client.get_user_delegation_key(now - _CLOCK_SKEW, expiry)
                self._delegation_key_expiry = expiry
            return self._delegation_key

    # --- Server-side access -------------------------------------------------------------------

    def read(self, container: str, name: str) -> bytes:
        try:
            data: bytes = self._client.get_blob_client(container, name).download_blob().readall()
        except ResourceNotFoundError as error:
            raise FileNotFoundError(f"{container}/{name}") from error
        return data

    def write(
        self,
        container: str,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        overwrite: bool = False,
    ) -> None:
        blob = self._client.get_blob_client(container, name)
        settings = ContentSettings(content_type=content_type)
        if overwrite:
            blob.upload_blob(data, overwrite=True, content_settings=settings)
            return
        try:
            # If-None-Match: * makes the service refuse the write when any blob is there, so of two
            # concurrent writers exactly one wins and the other learns it.
            blob.upload_blob(
                data,
                overwrite=False,
                content_settings=settings,
                match_condition=MatchConditions.IfMissing,
            )
        except ResourceExistsError as error:
            raise FileExists(f"{container}/{name}") from error

    def info(self, container: str, name: str) -> FileInfo | None:
        try:
            props = self._client.get_blob_client(container, name).get_blob_properties()
        except ResourceNotFoundError:
            return None
        return FileInfo(
            container=container,
            name=name,
            size=props.size,
            content_type=props.content_settings.content_type,
            etag=props.etag,
        )

    def check(self) -> None:
        # One page of at most one container: a round trip that authenticates and reads nothing large.
        next(iter(self._client.list_containers(results_per_page=1).by_page()), None)

    def list(self, container: str, prefix: str = "") -> list[FileInfo]:
        blobs = self._client.get_container_client(container).list_blobs(name_starts_with=prefix or None)
        try:
            return [
                FileInfo(
                    container=container,
                    name=props.name,
                    size=props.size,
                    content_type=props.content_settings.content_type,
                    etag=props.etag,
                )
                for props in blobs
            ]
        except ResourceNotFoundError:
            return []

    def delete(self, container: str, name: str) -> None:
        try:
            self._client.get_blob_client(container, name).delete_blob(delete_snapshots="include")
        except ResourceNotFoundError:
            pass
