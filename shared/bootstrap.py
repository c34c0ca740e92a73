"""Composition root: picks the adapter for every port from the settings, once per process.

Entry points call a service with ``call(service, ...)``, which fills the service's keyword-only
parameters from ``dependencies()`` by name (``shared.injection``). Nothing else constructs
adapters, so a function cold start pays for exactly the clients its settings ask for (each adapter
module is imported only when chosen), and tests build their own ``Dependencies`` from fakes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from shared import injection
from shared.observability.metrics import QueueStatistics
from shared.observability.setup import Telemetry
from shared.ports.clock import AdjustableClock, Clock, SystemClock
from shared.ports.documents import DocumentStore
from shared.ports.files import FileStore
from shared.ports.identity import TokenValidator
from shared.ports.mail import Mailer
from shared.ports.malware import MalwareScanner
from shared.ports.messages import DeferredBus, MessageBus
from shared.ports.rate_limit import RateLimiter
from shared.ports.records import RecordsSystem
from shared.ports.signing import ReceiptSigner
from shared.ports.vault import PersonalDataVault
from shared.services.containers import BLOB_CONTAINERS, OUTBOX_CONTAINER, RECORDS_CONTAINER, UPLOADS_CONTAINER
from shared.services.hearing_cache import HearingCache
from shared.settings import Environment, Settings

if TYPE_CHECKING:
    from shared.adapters.jwt_validator import TrustedIssuer

R = TypeVar("R")
__all__ = ["BLOB_CONTAINERS", "UPLOADS_CONTAINER", "Dependencies", "build", "call", "dependencies", "override"]


@dataclass
class Dependencies:
    """One object per name a service may ask for; the field's type is the type it is checked against."""

    settings: Settings
    documents: DocumentStore
    bus: MessageBus
    files: FileStore
    tokens: TokenValidator
    mailer: Mailer
    records: RecordsSystem
    clock: Clock
    vault: PersonalDataVault
    limiter: RateLimiter
    signer: ReceiptSigner
    intake_hearings: HearingCache | None = None
    # Messages the answer need not wait for (a sweep repairs their loss); None publishes them at once.
    deferred_bus: DeferredBus | None = None
    # Defaulted so dependencies built by hand (the tests, the local host) need not name it; build() always does.
    scanner: MalwareScanner = field(default_factory=lambda: _scanner(Settings(malware_scanner="embedded")))
    # Ports whose port module names their provider (``injection.provided_port``), built on first use;
    # tests put fakes here under the parameter name.
    extras: dict[str, object] = field(default_factory=dict)

    def port(self, name: str, port_type: type) -> object:
        built = self.extras.get(name)
        if built is None:
            with _ports_lock:
                built = self.extras.get(name)
                if built is None:
                    target = injection.provided_port(port_type)
                    if target is None:
                        raise injection.InjectionError(f"nothing provides '{name}: {port_type.__name__}'")
                    built = self.extras[name] = injection.build_port(target, port_type, self.settings)
        return built


_lock = threading.Lock()
_ports_lock = threading.Lock()
_current: Dependencies | None = None


def dependencies() -> Dependencies:
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = build(Settings.from_environment())
    return _current


def call(service: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
    """Call a service with its ports filled from this process's dependencies."""
    return injection.call(dependencies(), service, *args, **kwargs)


def override(deps: Dependencies | None) -> None:
    """Install dependencies built elsewhere (the local host, tests); None forgets them."""
    global _current
    with _lock:
        _current = deps


def build(settings: Settings, extra_issuers: Sequence[TrustedIssuer] = ()) -> Dependencies:
    """``extra_issuers`` are trusted besides those the settings name (the local host's development issuer)."""
    data_dir = Path(settings.data_dir)
    if settings.document_store == "sqlite" or settings.message_bus == "local":
        data_dir.mkdir(parents=True, exist_ok=True)
    files = _files(settings)
    bus = _bus(settings, data_dir)
    mailer = _mailer(settings, data_dir, files)
    if _telemetry(settings, bus).enabled:
        from shared.observability.counted_mailer import CountedMailer

        mailer = CountedMailer(mailer)
    from shared.adapters.deferred_bus import BatchingDeferredBus

    return Dependencies(
        settings=settings,
        documents=_documents(settings, data_dir),
        bus=bus,
        deferred_bus=BatchingDeferredBus(bus),
        files=files,
        tokens=_tokens(settings, extra_issuers),
        mailer=mailer,
        records=_records(settings, files),
        clock=AdjustableClock() if settings.adjustable_clock else SystemClock(),
        vault=_vault(settings, data_dir),
        limiter=_limiter(settings),
        scanner=_scanner(settings),
        signer=_signer(settings, data_dir),
        intake_hearings=HearingCache(timedelta(seconds=settings.intake_cache_seconds))
        if settings.intake_cache_seconds > 0
        else None,
    )


def _documents(settings: Settings, data_dir: Path) -> DocumentStore:
    if settings.document_store == "cosmos":
        from shared.adapters.cosmos_documents import CosmosDocumentStore

        if not settings.cosmos_endpoint:
            raise ValueError("COSMOS_ENDPOINT is required when PORTAL_DOCUMENT_STORE=cosmos")
        return CosmosDocumentStore.connect(settings.cosmos_endpoint, settings.cosmos_key, settings.cosmos_database)
    from shared.adapters.sqlite_documents import SqliteDocumentStore

    return SqliteDocumentStore(data_dir / "documents.sqlite")


def _bus(settings: Settings, data_dir: Path) -> MessageBus:
    if settings.message_bus == "servicebus":
        from shared.adapters.servicebus_bus import ServiceBusMessageBus

        return ServiceBusMessageBus.connect(settings.servicebus_connection_string, settings.servicebus_namespace)
    from shared.adapters.local_queue import LocalQueue

    return LocalQueue(
        data_dir / "queue.sqlite",
        max_delivery_count=settings.queue_max_deliveries,
        lock_duration=timedelta(seconds=settings.queue_lock_seconds),
        backoff_base=timedelta(seconds=settings.queue_backoff_seconds),
    )


def _telemetry(settings: Settings, bus: MessageBus) -> Telemetry:
    """Traces and metrics for this process, set up by the first build (``shared.observability.setup``)."""
    if not settings.telemetry_exporters and settings.applicationinsights_connection_string is None:
        return Telemetry()  # nothing to export: OpenTelemetry is not even imported
    from shared.observability.setup import configure
    from shared.services.queues import ALL

    statistics: QueueStatistics | None = None
    if isinstance(bus, QueueStatistics):
        statistics = bus
    elif settings.message_bus == "servicebus" and settings.telemetry_queue_gauges:
        from shared.adapters.servicebus_bus import ServiceBusQueueStatistics

        statistics = ServiceBusQueueStatistics.connect(
            settings.servicebus_connection_string, settings.servicebus_namespace
        )
    return configure(settings, ALL, statistics)


def _files(settings: Settings) -> FileStore:
    from shared.adapters.blob_files import BlobFileStore

    if settings.blob_endpoint:
        return BlobFileStore.with_managed_identity(settings.blob_endpoint)
    return BlobFileStore.from_connection_string(settings.storage_connection_string)


def _tokens(settings: Settings, extra_issuers: Sequence[TrustedIssuer] = ()) -> TokenValidator:
    from shared.adapters.jwt_validator import JwtValidator, broker_issuer, entra_issuer

    trusted: list[TrustedIssuer] = []
    if settings.entra_tenant_id is not None:
        trusted.append(entra_issuer(settings.entra_tenant_id, settings.entra_audiences))
    if settings.broker_issuer is not None and settings.broker_audience is not None:
        trusted.append(
            broker_issuer(
                settings.broker_name,
                settings.broker_issuer,
                settings.broker_audience,
                dict(settings.broker_claims),
                jwks_uri=settings.broker_jwks_uri,
                jwks=settings.broker_jwks,
                algorithms=settings.broker_algorithms,
            )
        )
    trusted.extend(extra_issuers)
    return JwtValidator(trusted)


def _mailer(settings: Settings, data_dir: Path, files: FileStore) -> Mailer:
    """E-mail by ``PORTAL_MAILER`` (local, smtp, graph) and Digital Post by ``PORTAL_DIGITAL_POST``
    (outbox, ngdp); each channel's adapter module is imported only when chosen."""
    from shared.adapters.graph_mailer import BlobSentLog, MailerByChannel

    outbox: Mailer
    if settings.hosted_in_azure:
        from shared.adapters.blob_outbox import BlobOutbox

        outbox = BlobOutbox(files, OUTBOX_CONTAINER)  # an instance's disk does not survive it
    else:
        from shared.adapters.local_outbox import LocalOutbox

        outbox = LocalOutbox(data_dir / "outbox")
    # Delivered ids are marked beside the records: that container exists in every deployment.
    sent = BlobSentLog(files, RECORDS_CONTAINER)
    email: Mailer = outbox
    if settings.mailer == "graph":
        from shared.adapters.graph_mailer import GraphMailer
        from shared.adapters.msal_credentials import ClientCredentials

        secret = settings.graph_client_secret.get_secret_value() if settings.graph_client_secret else None
        credentials = ClientCredentials(settings.graph_tenant_id or "", settings.graph_client_id or "", secret)
        email = GraphMailer(
            credentials, settings.mail_sender or "", already_sent=sent.already_sent, mark_sent=sent.mark_sent
        )
    elif settings.mailer == "smtp":
        from shared.adapters.smtp_mailer import SmtpMailer, SmtpServer

        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        server = SmtpServer(
            host=settings.smtp_host or "",
            sender=settings.mail_sender or "",
            port=settings.smtp_port,
            security=settings.smtp_security,
            username=settings.smtp_username,
            password=password,
        )
        email = SmtpMailer(server, already_sent=sent.already_sent, mark_sent=sent.mark_sent)
    post: Mailer = outbox
    if settings.digital_post == "ngdp":
        from shared.adapters.digital_post import DigitalPostMailer, MemoComposer, MemoSender, NgdpClient, client_tls

        vault = _vault(settings, data_dir)
        composer = MemoComposer(
            MemoSender(settings.digital_post_sender_cvr or "", settings.digital_post_sender_label),
            unseal=vault.unseal,
        )
        certificate = settings.ngdp_certificate.get_secret_value() if settings.ngdp_certificate else ""
        client = NgdpClient(settings.ngdp_endpoint or "", tls=client_tls(certificate_pem=_pem(certificate)))
        post = DigitalPostMailer(composer, client, already_sent=sent.already_sent, mark_sent=sent.mark_sent)
    if email is outbox and post is outbox:
        return outbox
    return MailerByChannel({"email": email, "digital-post": post})


def _pem(certificate: str) -> str:
    """PEM as given, or Key Vault's form of a certificate (base64 PKCS#12 without a password) as PEM."""
    if certificate.lstrip().startswith("-----BEGIN"):
        return certificate
    import base64

    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, pkcs12

    key, cert, chain = pkcs12.load_key_and_certificates(base64.b64decode(certificate), None)
    if key is None or cert is None:
        raise ValueError("PORTAL_DIGITAL_POST_CERTIFICATE holds no key and certificate")
    parts = [key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()), cert.public_bytes(Encoding.PEM)]
    parts += [extra.public_bytes(Encoding.PEM) for extra in chain or []]
    return b"".join(parts).decode("ascii")


def _vault(settings: Settings, data_dir: Path) -> PersonalDataVault:
    from shared.adapters.aes_vault import AesGcmVault

    if settings.personal_data_key:
        return AesGcmVault.from_base64(settings.personal_data_key)
    if settings.environment is Environment.PRODUCTION:
        raise ValueError("PORTAL_CPR_KEY is required in production (a Key Vault reference)")
    return AesGcmVault.development(data_dir)


def _limiter(settings: Settings) -> RateLimiter:
    from shared.adapters.memory_rate_limiter import SlidingWindowLimiter

    return SlidingWindowLimiter(settings.response_rate_limit, settings.response_rate_window_seconds)


def _scanner(settings: Settings) -> MalwareScanner:
    if settings.scanner == "clamav":
        from shared.adapters.clamd_scanner import ClamdScanner

        return ClamdScanner(settings.clamav_address or "")
    if settings.scanner == "defender":
        from shared.adapters.defender_scan import DefenderScanResults

        if settings.blob_endpoint:
            return DefenderScanResults.with_managed_identity(settings.blob_endpoint)
        return DefenderScanResults.from_connection_string(settings.storage_connection_string)
    from shared.adapters.eicar_scanner import EicarScanner

    return EicarScanner()


def _signer(settings: Settings, data_dir: Path) -> ReceiptSigner:
    if settings.receipt_key_vault_url:
        from shared.adapters.keyvault_receipt_signer import KeyVaultReceiptSigner

        return KeyVaultReceiptSigner.connect(settings.receipt_key_vault_url, settings.receipt_key_name)
    if settings.hosted_in_azure:
        # Instances share no disk: a key in the data folder would be a different key on each of them.
        raise ValueError("PORTAL_RECEIPT_KEY_VAULT_URL is required in Azure (the receipt key lives in Key Vault)")
    from shared.adapters.local_receipt_signer import LocalReceiptSigner

    return LocalReceiptSigner.development(data_dir)


def _records(settings: Settings, files: FileStore) -> RecordsSystem:
    """By ``PORTAL_RECORDS_SYSTEM``: SBSYS's REST API, or the local archive in the records container."""
    if settings.records_system == "sbsys":
        from shared.adapters.sbsys_records import SbsysConfig, SbsysRecords

        secret = settings.records_client_secret.get_secret_value() if settings.records_client_secret else ""
        return SbsysRecords(
            SbsysConfig(
                base_url=settings.records_endpoint or "",
                token_url=settings.records_token_url or "",
                client_id=settings.records_client_id or "",
                client_secret=secret,
                templates={str(kle): int(template) for kle, template in settings.records_templates.items()},
                default_template=settings.records_default_template,
                closed_status=settings.records_closed_status,
            )
        )
    from shared.adapters.blob_archive import BlobRecordsArchive

    return BlobRecordsArchive(files, RECORDS_CONTAINER)
