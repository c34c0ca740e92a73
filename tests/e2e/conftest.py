"""The portal itself, started by the local host on a free port with its own data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local_host.azurite import Azurite
from tests.local_host_fixture import LocalHostProcess, start_local_host


def portal_env(azurite: Azurite) -> dict[str, str]:
    return {
        "PORTAL_ENVIRONMENT": "development",
        "PORTAL_DEV_ISSUER": "true",
        "PORTAL_ADJUSTABLE_CLOCK": "true",
        "PORTAL_DOCUMENT_STORE": "sqlite",
        "PORTAL_MESSAGE_BUS": "local",
        "AzureWebJobsStorage": azurite.connection_string,
    }


@pytest.fixture
def portal(azurite: Azurite, tmp_path: Path) -> Iterator[LocalHostProcess]:
    host = start_local_host("function_app", tmp_path / "data", portal_env(azurite), extra_args=("--seed",))
    try:
        yield host
    finally:
        host.stop()
