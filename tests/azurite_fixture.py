"""A session-wide Azurite on a free port, for tests that need real blob storage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local_host.azurite import Azurite


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    with Azurite.start(tmp_path_factory.mktemp("azurite")) as running:
        yield running
