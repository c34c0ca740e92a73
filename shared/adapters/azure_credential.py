"""One managed-identity credential per process, shared by the Cosmos DB, Service Bus and Blob clients,
so the credential chain is probed and its tokens cached once rather than per client."""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def managed_identity() -> Any:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()
