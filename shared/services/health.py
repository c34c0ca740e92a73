"""Health: whether the portal's backing services answer, each within a short time."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as CheckTimedOut
from typing import Literal

from shared.domain.base import PortalModel
from shared.ports.documents import DocumentStore
from shared.ports.files import FileStore
from shared.ports.messages import MessageBus
from shared.settings import Settings

log = logging.getLogger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
# A check that hangs keeps its thread until the call returns; a few threads bound how many can.
_checks = ThreadPoolExecutor(max_workers=6, thread_name_prefix="health")


class Dependency(PortalModel):
    name: str
    status: Literal["ok", "failing"]
    detail: str | None = None


class HealthReport(PortalModel):
    status: Literal["ok", "failing"]
    environment: str
    dependencies: list[Dependency]
    failing: list[str]


def check_health(
    timeout_seconds: float = CHECK_TIMEOUT_SECONDS,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    files: FileStore,
    settings: Settings,
) -> HealthReport:
    """Documents, messages and files, checked at the same time; each gets ``timeout_seconds``."""
    checks: dict[str, Callable[[], None]] = {"documents": documents.check, "messages": bus.check, "files": files.check}
    running = {name: _checks.submit(check) for name, check in checks.items()}
    report = [_outcome(name, future.result, timeout_seconds) for name, future in running.items()]
    failing = [dependency.name for dependency in report if dependency.status == "failing"]
    return HealthReport(
        status="failing" if failing else "ok",
        environment=settings.environment.value,
        dependencies=report,
        failing=failing,
    )


def _outcome(name: str, result: Callable[[float], None], timeout_seconds: float) -> Dependency:
    try:
        result(timeout_seconds)
    except CheckTimedOut:
        log.warning("health: %s did not answer within %.1f s", name, timeout_seconds)
        return Dependency(name=name, status="failing", detail=f"no answer within {timeout_seconds:g} s")
    except Exception as error:  # what failed is for the operators' log; the answer names the dependency
        log.warning("health: %s failed: %s", name, error)
        return Dependency(name=name, status="failing", detail="refused or unreachable")
    return Dependency(name=name, status="ok")
