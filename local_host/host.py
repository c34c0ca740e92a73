"""Starts the local Functions host: settings, dependencies, the function app, workers and the HTTP server.

The order follows ``func start``: settings from ``local.settings.json`` first, then the dependencies
(``shared.bootstrap``) are built and installed, and only then is the function app imported, so its
functions find the host's dependencies when they ask ``shared.bootstrap.dependencies()``. With
``PORTAL_DEV_ISSUER=true`` the host adds the development sign-in (``local_host.dev_identity``) to
the app it loads; the deployed app never has it.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import logging
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import uvicorn
from azure.functions.decorators.function_app import FunctionRegister

from local_host.admin import AdminEndpoints
from local_host.catalog import FunctionSpec, TriggerKind, catalog
from local_host.host_json import HostJson, InvalidHostJson
from local_host.http_functions import HttpFunctions
from local_host.local_settings import apply_values, find_settings_file, read_cors, read_values
from local_host.runtime import Runtime
from local_host.web import build_app

if TYPE_CHECKING:
    from local_host.dev_identity.issuer import DevIssuer

log = logging.getLogger("local_host")

DEFAULT_PORT = 7071
PUBLIC_BASE_URL_VARIABLE = "PORTAL_PUBLIC_BASE_URL"
TRACES_VARIABLE = "PORTAL_TELEMETRY_EXPORTERS"
_LOCAL_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}
AZURITE_PORT = 10000
STORAGE_VARIABLE = "AzureWebJobsStorage"  # the Functions host's own name for it, mixed case and all
GRACEFUL_SHUTDOWN_SECONDS = 5


@dataclass(frozen=True)
class Options:
    port: int = DEFAULT_PORT
    host: str = "127.0.0.1"
    app: str = "function_app"
    settings: Path | None = None
    seed: bool = False
    root: Path = Path(".")
    log_level: str = "INFO"
    traces: str | None = None  # PORTAL_TELEMETRY_EXPORTERS for this run; None: as the settings say, else memory
    group: str | None = None  # PORTAL_FUNCTION_GROUP for this run; None: as the settings say, else all


def run(options: Options) -> int:
    """Runs until SIGINT or SIGTERM; returns the process exit code."""
    _configure_logging(options.log_level)
    stopper = _Stopper()
    root = options.root.resolve()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    with stopper.installed():
        try:
            return _run(options, root, stopper)
        except InvalidHostJson as error:
            log.error("%s", error)
            return 2
        except KeyboardInterrupt:
            log.info("stopped before the host was ready")
            return 0


def _run(options: Options, root: Path, stopper: _Stopper) -> int:
    host_json = HostJson.read(root)
    settings_file = options.settings or find_settings_file(root)
    _load_settings_file(settings_file, options)
    _choose_traces(options.traces)
    _choose_group(options.group)
    cors = read_cors(settings_file)

    from shared.adapters.deferred_bus import BatchingDeferredBus
    from shared.bootstrap import BLOB_CONTAINERS, build, override
    from shared.settings import Settings

    settings = Settings.from_environment()
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    azurite = _start_azurite(settings, data_dir)
    if azurite is not None and azurite.port != AZURITE_PORT:
        # "UseDevelopmentStorage=true" means port 10000; every blob client must find this Azurite instead.
        os.environ[STORAGE_VARIABLE] = azurite.connection_string
        settings = Settings.from_environment()
    runtime: Runtime | None = None
    try:
        issuer = _dev_issuer(settings, data_dir)
        deps = build(settings, extra_issuers=[issuer.trusted_issuer()] if issuer is not None else [])
        _add_persona_directory(deps, settings, issuer)
        override(deps)
        _ensure_containers(deps, BLOB_CONTAINERS)
        app = _function_app(importlib.import_module(options.app))
        _add_dev_sign_in(app, issuer)
        specs, skipped = catalog(app)
        for note in skipped:
            log.warning("%s", note)
        if options.seed:
            _seed(deps)
        runtime = Runtime(
            specs,
            settings=settings,
            bus=deps.bus,
            files=deps.files,
            clock=deps.clock,
            lock_renewal_limit=host_json.lock_renewal_limit,
            deferred_bus=deps.deferred_bus if isinstance(deps.deferred_bus, BatchingDeferredBus) else None,
        )
        prefix = host_json.route_prefix
        base_url = f"http://{_display_host(options.host)}:{options.port}"
        urls = function_urls(specs, base_url, prefix)
        http = HttpFunctions([spec for spec in specs if spec.kind is TriggerKind.HTTP], runtime.invoker, prefix)
        asgi = build_app(http, AdminEndpoints(runtime, urls), cors)
        if cors.enabled:
            log.info("CORS allowed for %s", ", ".join(cors.origins))
        print(banner(specs, urls, runtime.broker is not None), flush=True)
        _print_personas(issuer)
        print(where_to_start(specs, base_url, issuer is not None), flush=True)
        runtime.start()
        config = uvicorn.Config(
            asgi,
            host=options.host,
            port=options.port,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        )
        server = _Server(config)
        stopper.attach(server, runtime)
        server.run()
        return 0 if server.started else 1
    finally:
        stopper.detach()
        if runtime is not None:
            runtime.stop()
        override(None)
        _stop_telemetry()
        if azurite is not None:
            azurite.stop()
        log.info("local host stopped")


def _choose_traces(traces: str | None) -> None:
    """The host keeps recent spans in memory for /admin/traces unless told otherwise (``--traces none``)."""
    if traces is not None:
        os.environ[TRACES_VARIABLE] = "" if traces == "none" else traces
    else:
        os.environ.setdefault(TRACES_VARIABLE, "memory")


def _choose_group(group: str | None) -> None:
    """The app reads its group when it is built (``functions.groups``), so it is set before the import."""
    from functions.groups import GROUP_VARIABLE

    if group is not None:
        os.environ[GROUP_VARIABLE] = group
    log.info("function group: %s", os.environ.get(GROUP_VARIABLE) or "all")


def _stop_telemetry() -> None:
    """Exports what the batching exporters still hold (console, OTLP) before the process ends."""
    from shared.observability.setup import reset

    reset()


def function_urls(specs: list[FunctionSpec], base_url: str, prefix: str) -> dict[str, str]:
    urls = {}
    for spec in specs:
        if spec.kind is TriggerKind.HTTP:
            path = "/".join(part for part in (prefix, spec.route.strip("/")) if part)
            urls[spec.name] = f"{base_url}/{path}"
    return urls


def banner(specs: list[FunctionSpec], urls: dict[str, str], queues_running: bool) -> str:
    lines = ["", "Functions:", ""]
    for spec in specs:
        if spec.kind is TriggerKind.HTTP:
            methods = ",".join(spec.methods) if spec.methods else "ALL"
            detail = f"[{methods}] {urls[spec.name]}"
        elif spec.kind is TriggerKind.TIMER:
            detail = f"timerTrigger ({spec.schedule}{', run on startup' if spec.run_on_startup else ''})"
        elif spec.kind is TriggerKind.QUEUE:
            note = "" if queues_running else ", not consumed locally"
            detail = f"serviceBusTrigger (queue {spec.queue_name}{note})"
        else:
            detail = f"blobTrigger ({spec.blob_path}, polled)"
        lines.append(f"        {spec.name}: {detail}")
        lines.append("")
    if not specs:
        lines.append("        (none)")
    return "\n".join(lines)


def _load_settings_file(path: Path | None, options: Options) -> None:
    values = read_values(path) if path is not None else {}
    if PUBLIC_BASE_URL_VARIABLE not in os.environ:
        derived = public_base_url(values.get(PUBLIC_BASE_URL_VARIABLE), options.port, options.host)
        if derived is not None:
            values[PUBLIC_BASE_URL_VARIABLE] = derived
            log.info("%s=%s (the port the host listens on)", PUBLIC_BASE_URL_VARIABLE, derived)
    applied = apply_values(values)
    if path is None:
        log.info("no local.settings.json; using the environment only")
    else:
        log.info("settings from %s (%d values applied)", path, len(applied))


def public_base_url(configured: str | None, port: int, host: str) -> str | None:
    """The portal's own address when the host listens on another port than the one the settings assume.

    A settings file's local address (``http://localhost:7071``) describes the default port only; any other
    address (a tunnel, say) is kept. None means: leave the setting as it is.
    """
    if port == DEFAULT_PORT:
        return None
    if configured and not _is_default_local_address(configured):
        return None
    return f"http://{_display_host(host)}:{port}"


def _is_default_local_address(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
        return parts.hostname in _LOCAL_NAMES and (parts.port or 80) == DEFAULT_PORT
    except ValueError:
        return False


def _start_azurite(settings: Any, data_dir: Path) -> Any:
    if settings.blob_endpoint or settings.storage_connection_string.strip().rstrip(";").lower() != (
        "usedevelopmentstorage=true"
    ):
        return None
    from local_host.azurite import Azurite

    azurite = Azurite.for_data(data_dir / "azurite", preferred=AZURITE_PORT)
    log.info("Azurite %s on port %d", "started" if azurite.owned else "of this data already running", azurite.port)
    return azurite


def _ensure_containers(deps: Any, containers: tuple[str, ...]) -> None:
    ensure = getattr(deps.files, "ensure_containers", None)
    if ensure is None:
        return
    try:
        ensure(containers)
    except Exception as error:
        log.warning("could not create the blob containers %s: %s", ", ".join(containers), error)


def _function_app(module: ModuleType) -> FunctionRegister:
    candidate = getattr(module, "app", None)
    if isinstance(candidate, FunctionRegister):
        return candidate
    for value in vars(module).values():
        if isinstance(value, FunctionRegister):
            return value
    raise RuntimeError(f"module {module.__name__} defines no FunctionApp")


def _seed(deps: Any) -> None:
    if importlib.util.find_spec("local_host.demo_data") is None:
        log.info("no demo data to seed")
        return
    try:
        demo_data = importlib.import_module("local_host.demo_data")
    except ImportError as error:
        log.warning("demo data not loaded: %s", error)
        return
    seed = getattr(demo_data, "seed", None)
    if callable(seed):
        seed(deps)
        log.info("demo data seeded")


def _dev_issuer(settings: Any, data_dir: Path) -> DevIssuer | None:
    """The development issuer when the settings enable it (``for_settings`` refuses it in production)."""
    if not settings.dev_issuer:
        return None
    from local_host.dev_identity.issuer import DevIssuer

    return DevIssuer.for_settings(settings, data_dir)


def _add_persona_directory(deps: Any, settings: Any, issuer: DevIssuer | None) -> None:
    """With the development sign-in and no directory configured, its employees make up the staff directory."""
    if issuer is None or settings.staff_directory != "none":
        return
    from local_host.dev_identity.personas import PersonaDirectory

    deps.extras["directory"] = PersonaDirectory(issuer.trusted_issuer().name)


def _add_dev_sign_in(app: FunctionRegister, issuer: DevIssuer | None) -> None:
    """With an issuer, the app gets the development endpoints under /api/dev; without, they do not exist."""
    if issuer is None:
        return
    from local_host import dev_identity
    from local_host.dev_identity import functions as dev_functions

    dev_functions.use(issuer)
    dev_identity.register(app)


def _print_personas(issuer: DevIssuer | None) -> None:
    if issuer is None:
        return
    personas = issuer.personas()
    lines = ["Development sign-in personas:", ""]
    lines += [f"        {persona.id}: {persona.label} ({persona.description})" for persona in personas]
    print("\n".join([*lines, ""]), flush=True)


def where_to_start(specs: list[FunctionSpec], base_url: str, dev_sign_in: bool) -> str:
    """The last lines before the server's own: where to open the portal, after hundreds of function lines."""
    routes = [spec.route.strip("/") for spec in specs if spec.kind is TriggerKind.HTTP]
    lines = []
    if any(not route.startswith("api/") and not route.startswith("dev/") for route in routes):
        sign_in = ', and sign in with "Log ind" as one of the personas above' if dev_sign_in else ""
        lines.append(f"Open {base_url}/ in a browser{sign_in}.")
    if routes:
        lines.append(f"The API is described at {base_url}/api/openapi.json.")
    return "\n".join([*lines, ""])


def _display_host(host: str) -> str:
    return "localhost" if host in {"0.0.0.0", "::", "127.0.0.1"} else host


def _configure_logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="[%(asctime)s] %(message)s", datefmt="%Y-%m-%dT%H:%M:%S")
    # The storage SDK logs every request at INFO.
    logging.getLogger("azure").setLevel(logging.WARNING)


class _Server(uvicorn.Server):
    """Leaves signal handling to the host, which stops the workers too and exits with 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _Stopper:
    """SIGINT/SIGTERM: before the server runs, unwind startup; after, ask everything to stop."""

    def __init__(self) -> None:
        self._server: uvicorn.Server | None = None
        self._runtime: Runtime | None = None
        self._stopping = False
        self._previous: dict[signal.Signals, Any] = {}

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handle)
        try:
            yield
        finally:
            for sig, handler in self._previous.items():
                signal.signal(sig, handler)

    def attach(self, server: uvicorn.Server, runtime: Runtime) -> None:
        self._server, self._runtime = server, runtime

    def detach(self) -> None:
        """From here on the host is shutting down: further signals must not interrupt the cleanup."""
        self._stopping = True
        self._server = None

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        server = self._server
        if server is None:
            if self._stopping:
                return
            self._stopping = True
            raise KeyboardInterrupt
        if self._runtime is not None:
            self._runtime.stop_event.set()
        if server.should_exit:
            server.force_exit = True  # a second Ctrl-C stops waiting for open connections
        server.should_exit = True
