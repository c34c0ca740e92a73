"""Configures traces and metrics once per process, from the settings.

Exporters: Azure Monitor when ``APPLICATIONINSIGHTS_CONNECTION_STRING`` is set (its SDK is imported only
then, by ``shared.adapters.azure_monitor``), and any of ``console``, ``otlp`` and ``memory`` named in
``PORTAL_TELEMETRY_EXPORTERS``. With none of them the process records nothing and imports nothing from
OpenTelemetry. Every span passes the scrubbing processor before any exporter sees it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from shared.observability import metrics, names, spans

if TYPE_CHECKING:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter

    from shared.observability.metrics import QueueStatistics
    from shared.observability.recent import RecentSpans
    from shared.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Telemetry:
    """What ``configure`` set up; ``recent`` holds the spans for ``/admin/traces`` when ``memory`` is chosen."""

    tracer_provider: TracerProvider | None = None
    meter_provider: MeterProvider | None = None
    recent: RecentSpans | None = None
    exporters: tuple[str, ...] = field(default_factory=tuple)

    @property
    def enabled(self) -> bool:
        return self.tracer_provider is not None

    def flush(self) -> None:
        if self.tracer_provider is not None:
            self.tracer_provider.force_flush()
        if self.meter_provider is not None:
            self.meter_provider.force_flush()

    def shutdown(self) -> None:
        spans.install(None)
        metrics.install(None)
        if self.tracer_provider is not None:
            self.tracer_provider.shutdown()
        if self.meter_provider is not None:
            self.meter_provider.shutdown()


_lock = threading.Lock()
_current: Telemetry | None = None


def configure(settings: Settings, queues: Sequence[str] = (), statistics: QueueStatistics | None = None) -> Telemetry:
    """Set up telemetry for this process the first time; later calls return what the first one set up."""
    global _current
    with _lock:
        if _current is None:
            _current = _build(settings, queues, statistics)
        return _current


def current() -> Telemetry | None:
    return _current


def reset() -> None:
    """Stop and forget this process's telemetry (tests configure it anew)."""
    global _current
    with _lock:
        if _current is not None:
            _current.shutdown()
        _current = None


def configure_for_tests(
    metric_reader: MetricReader | None = None, queues: Sequence[str] = (), statistics: QueueStatistics | None = None
) -> Telemetry:
    """Spans to memory (``Telemetry.recent``) and metrics to ``metric_reader``, replacing what was set up before."""
    global _current
    reset()
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from shared.observability.recent import RecentSpans

    recent = RecentSpans()
    with _lock:
        _current = _install(
            [SimpleSpanProcessor(recent)],
            [metric_reader] if metric_reader is not None else [],
            queues,
            statistics,
            recent=recent,
            exporters=("memory",),
        )
        return _current


def _build(settings: Settings, queues: Sequence[str], statistics: QueueStatistics | None) -> Telemetry:
    chosen = tuple(settings.telemetry_exporters)
    azure = settings.applicationinsights_connection_string
    if not chosen and not azure:
        return Telemetry()
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    processors: list[Any] = []
    readers: list[Any] = []
    recent = None
    if azure:
        from shared.adapters.azure_monitor import azure_monitor_exporters

        span_exporter, metric_exporter = azure_monitor_exporters(
            azure.get_secret_value(), settings.applicationinsights_authentication
        )
        processors.append(BatchSpanProcessor(span_exporter))
        readers.append(PeriodicExportingMetricReader(metric_exporter))
    if "console" in chosen:
        from opentelemetry.sdk.metrics.export import ConsoleMetricExporter
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        processors.append(SimpleSpanProcessor(ConsoleSpanExporter()))
        readers.append(PeriodicExportingMetricReader(ConsoleMetricExporter()))
    if "otlp" in chosen:
        span_exporter, metric_exporter = _otlp_exporters()
        processors.append(BatchSpanProcessor(span_exporter))
        readers.append(PeriodicExportingMetricReader(metric_exporter))
    if "memory" in chosen:
        from shared.observability.recent import RecentSpans

        recent = RecentSpans()
        processors.append(SimpleSpanProcessor(recent))  # at once: /admin/traces shows a request as it ends
    exporters = (*(("azure-monitor",) if azure else ()), *chosen)
    log.info("telemetry exported to %s", ", ".join(exporters))
    return _install(processors, readers, queues, statistics, recent=recent, exporters=exporters)


def _install(
    processors: Sequence[Any],
    readers: Sequence[MetricReader],
    queues: Sequence[str],
    statistics: QueueStatistics | None,
    *,
    recent: RecentSpans | None,
    exporters: tuple[str, ...],
) -> Telemetry:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    from shared.observability.scrubbing import ScrubbingSpanProcessor

    # In Azure the site name tells the intake app from the workers (cloud_RoleName in Application Insights).
    resource = Resource.create({"service.name": os.environ.get("WEBSITE_SITE_NAME") or names.SERVICE_NAME})
    tracer_provider = TracerProvider(resource=resource)
    for processor in processors:
        tracer_provider.add_span_processor(ScrubbingSpanProcessor(processor))
    meter_provider = MeterProvider(metric_readers=list(readers), resource=resource)
    # Our own providers, not the global ones: a second configuration (tests) replaces them cleanly.
    spans.install(tracer_provider.get_tracer(names.INSTRUMENTATION_SCOPE))
    metrics.install(meter_provider.get_meter(names.INSTRUMENTATION_SCOPE), queues, statistics)
    return Telemetry(tracer_provider, meter_provider, recent, exporters)


def _otlp_exporters() -> tuple[SpanExporter, Any]:
    try:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    except ImportError:
        raise ValueError(
            "PORTAL_TELEMETRY_EXPORTERS=otlp needs opentelemetry-exporter-otlp-proto-http (requirements-dev.txt)"
        ) from None
    # The endpoint and headers come from the standard OTEL_EXPORTER_OTLP_* variables.
    return OTLPSpanExporter(), OTLPMetricExporter()
