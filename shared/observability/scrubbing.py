"""The last line of defence: no span leaves the process with a CPR number, an e-mail address or a token in it.

The entry points never put personal data into a span in the first place (no bodies, no headers, no
URLs, no exception messages). This processor sits in front of every exporter anyway and replaces,
in every attribute value, event attribute, status description and span name, whatever the screening's
own CPR and e-mail detectors find, and anything shaped like a bearer token or a JWT. A name cannot be
recognised reliably, which is why nothing that could hold one is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.trace import Status

from shared.domain.screening.identifiers import find_cpr_numbers, find_email_addresses

REDACTED = "[redacted]"
# A JWT (three base64url parts, the first starting with '{"' encoded) or whatever follows "Bearer".
_TOKEN = re.compile(r"eyJ[\w-]*\.[\w-]+\.[\w-]*|(?i:bearer)\s+\S+")


def scrub(text: str) -> str:
    """``text`` with every CPR number, e-mail address and token replaced by ``[redacted]``."""
    text = _TOKEN.sub(REDACTED, text)
    found = sorted(
        ((flag.start, flag.end) for flag in (*find_cpr_numbers(text), *find_email_addresses(text))),
        reverse=True,
    )
    for start, end in found:  # from the end, so the earlier offsets stay right
        if end is not None:
            text = text[:start] + REDACTED + text[end:]
    return text


def scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return tuple(scrub_value(item) for item in value)
    return value


def scrub_attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: scrub_value(value) for key, value in (attributes or {}).items()}


class ScrubbingSpanProcessor(SpanProcessor):
    """Hands ``inner`` (the exporting processor) a scrubbed copy of every finished span."""

    def __init__(self, inner: SpanProcessor) -> None:
        self.inner = inner

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.inner.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        self.inner.on_end(scrubbed(span))

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def scrubbed(span: ReadableSpan) -> ReadableSpan:
    status = span.status
    if status.description:
        status = Status(status.status_code, scrub(status.description))
    return ReadableSpan(
        name=scrub(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=scrub_attributes(span.attributes),
        events=[Event(event.name, scrub_attributes(event.attributes), event.timestamp) for event in span.events],
        links=span.links,
        kind=span.kind,
        status=status,
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )
