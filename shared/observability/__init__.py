"""Traces and metrics: what each function did, for whom it did not matter, and never who.

``spans`` and ``metrics`` are what entry points, adapters and services call; they cost nothing until
``setup.configure`` (called once per process by the composition root) installs a tracer and a meter.
Nothing here is imported from OpenTelemetry until then, so a cold start that does not export pays
nothing for it. ``docs/telemetry.md`` lists every span, attribute and metric name.
"""
