"""One span per function run: the HTTP function's, and the queue consumer's that continues its trace.

The trace crosses the queue in the message's application properties (W3C ``traceparent`` and
``tracestate``, nothing else: baggage is never propagated, since a caller could put anything in it).
Until ``install`` is called every helper here is a no-op that imports nothing.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from shared.observability import names

if TYPE_CHECKING:
    from opentelemetry.trace import Span, Tracer
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class _Live:
    tracer: Tracer
    propagator: TraceContextTextMapPropagator


_live: _Live | None = None


def install(tracer: Tracer | None) -> None:
    """Start (a tracer) or stop (None) recording spans in this process."""
    global _live
    if tracer is None:
        _live = None
        return
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    _live = _Live(tracer, TraceContextTextMapPropagator())


class HttpOutcome:
    """Lets the HTTP wrapper say how the request was answered."""

    def __init__(self, span: Span | None) -> None:
        self._span = span

    def answered(self, status: int, error: BaseException | None = None) -> None:
        span = self._span
        if span is None:
            return
        from opentelemetry.trace import Status, StatusCode

        span.set_attribute(names.HTTP_STATUS, status)
        span.set_attribute(names.OUTCOME, "success" if status < 400 else "failure")
        if error is not None:
            span.set_attribute(names.ERROR_TYPE, type(error).__name__)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR, type(error).__name__ if error else str(status)))


@contextmanager
def http_span(
    function_name: str, method: str, route: str, headers: Mapping[str, str], hearing_id: str | None
) -> Iterator[HttpOutcome]:
    """A server span for one HTTP function run, continuing the caller's trace when it sent a ``traceparent``."""
    live = _live
    if live is None:
        yield HttpOutcome(None)
        return
    from opentelemetry.trace import SpanKind

    carrier = {key: headers[key] for key in ("traceparent", "tracestate") if headers.get(key)}
    attributes: dict[str, Any] = {
        names.FAAS_NAME: function_name,
        names.FAAS_TRIGGER: "http",
        names.HTTP_METHOD: method,
        names.HTTP_ROUTE: route,
    }
    if hearing_id:
        attributes[names.HEARING_ID] = hearing_id
    with live.tracer.start_as_current_span(
        f"{method} {route}",
        context=live.propagator.extract(carrier) if carrier else None,
        kind=SpanKind.SERVER,
        attributes=attributes,
        record_exception=False,  # an exception's message may quote what the caller sent
        set_status_on_exception=False,
    ) as span:
        yield HttpOutcome(span)


def with_trace_context(properties: Mapping[str, str]) -> dict[str, str]:
    """A message's application properties with the current trace added, for the consumer to continue it."""
    live = _live
    if live is None:
        return dict(properties)
    carrier: dict[str, str] = {}
    live.propagator.inject(carrier)
    return {**properties, **carrier}


def consumer(queue: str) -> Callable[[F], F]:
    """Decorates a queue trigger: a consumer span continuing the publisher's trace from the message."""

    def decorate(function: F) -> F:
        @functools.wraps(function)
        def traced(msg: Any) -> Any:
            live = _live
            if live is None:
                return function(msg)
            return _consume(live, queue, function, msg)

        return traced  # type: ignore[return-value]

    return decorate


def _consume(live: _Live, queue: str, function: Callable[..., Any], msg: Any) -> Any:
    from opentelemetry.trace import SpanKind, Status, StatusCode

    properties = getattr(msg, "application_properties", None) or {}
    carrier = {key: str(properties[key]) for key in ("traceparent", "tracestate") if properties.get(key)}
    attributes: dict[str, Any] = {
        names.FAAS_NAME: function.__name__,
        names.FAAS_TRIGGER: "pubsub",
        names.MESSAGING_SYSTEM: "servicebus",
        names.MESSAGING_DESTINATION: queue,
        names.MESSAGING_OPERATION: "process",
    }
    delivery_count = getattr(msg, "delivery_count", None)
    if isinstance(delivery_count, int):
        attributes[names.MESSAGING_DELIVERY_COUNT] = delivery_count
    hearing_id = _hearing_id(msg)
    if hearing_id:
        attributes[names.HEARING_ID] = hearing_id
    with live.tracer.start_as_current_span(
        f"{queue} process",
        context=live.propagator.extract(carrier) if carrier else None,
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as span:
        try:
            result = function(msg)
        except BaseException as error:
            span.set_attribute(names.OUTCOME, "failure")
            span.set_attribute(names.ERROR_TYPE, type(error).__name__)
            span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            raise
        span.set_attribute(names.OUTCOME, "success")
        return result


def _hearing_id(msg: Any) -> str | None:
    """The hearing the message is about: the one body field every portal message has."""
    try:
        body = json.loads(msg.get_body())
    except (AttributeError, TypeError, ValueError):
        return None
    value = body.get("hearingId") if isinstance(body, dict) else None
    return value if isinstance(value, str) else None
