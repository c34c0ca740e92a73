"""The most recent spans of this process, in memory, for the local host's ``GET /admin/traces``."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

DEFAULT_CAPACITY = 5000


class RecentSpans(SpanExporter):
    """Keeps the last ``capacity`` finished spans; older ones are forgotten, so memory stays bounded."""

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._spans: deque[ReadableSpan] = deque(maxlen=capacity)
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self._lock:
            self._spans.extend(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def spans(self, trace_id: str | None = None) -> list[ReadableSpan]:
        """Finished spans, oldest first; only those of ``trace_id`` (32 hex digits) when given."""
        with self._lock:
            spans = list(self._spans)
        if trace_id is None:
            return spans
        return [span for span in spans if span.context is not None and _hex(span.context.trace_id) == trace_id]

    def clear(self) -> None:
        with self._lock:
            self._spans.clear()


def describe(span: ReadableSpan) -> dict[str, Any]:
    """A finished span as JSON: ids in hex, times in Unix nanoseconds, attributes as recorded."""
    context = span.context
    return {
        "name": span.name,
        "traceId": _hex(context.trace_id) if context else None,
        "spanId": f"{context.span_id:016x}" if context else None,
        "parentSpanId": f"{span.parent.span_id:016x}" if span.parent else None,
        "kind": span.kind.name,
        "start": span.start_time,
        "end": span.end_time,
        "durationMs": round((span.end_time - span.start_time) / 1e6, 3) if span.end_time and span.start_time else None,
        "status": span.status.status_code.name,
        "attributes": dict(span.attributes or {}),
        "events": [{"name": event.name, "attributes": dict(event.attributes or {})} for event in span.events],
        "links": [f"{_hex(link.context.trace_id)}/{link.context.span_id:016x}" for link in span.links],
    }


def _hex(trace_id: int) -> str:
    return f"{trace_id:032x}"
