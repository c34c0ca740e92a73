"""The portal itself, started by the local host on a free port with its own data folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from local_host.azurite import Azurite
from tests.e2e.web_support import chromium, fresh_context
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


# The browser tests: one seeded portal per test module, one browser, a fresh context per test.


@pytest.fixture(scope="module")
def host(azurite: Azurite, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHostProcess]:
    data = tmp_path_factory.mktemp("web") / "data"
    process = start_local_host("function_app", data, portal_env(azurite), extra_args=("--seed",))
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture
def base_url(host: LocalHostProcess) -> str:
    # The address the portal announces (its sign-in returns there), so the session cookie belongs to it.
    return f"http://localhost:{host.port}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from chromium()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    with fresh_context(browser) as opened:
        yield opened
