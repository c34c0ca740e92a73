"""The Azure Monitor exporters for traces and metrics, with Entra ID authentication when Azure asks for it.

The exporters are used directly, under the portal's own providers, rather than through the distro's
``configure_azure_monitor``: that installs its own span processors, which would export spans before the
scrubbing processor (``shared.observability.scrubbing``) has seen them, and instruments libraries
(HTTP clients, the Azure SDK) whose spans would carry URLs and headers.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.trace.export import SpanExporter


def azure_monitor_exporters(connection_string: str, authentication: str | None) -> tuple[SpanExporter, Any]:
    """``authentication`` is ``APPLICATIONINSIGHTS_AUTHENTICATION_STRING``: ``Authorization=AAD`` (with an
    optional ``;ClientId=<user-assigned identity>``) sends with the app's managed identity, as infra/ sets it."""
    from azure.monitor.opentelemetry.exporter import AzureMonitorMetricExporter, AzureMonitorTraceExporter

    credential = _credential(authentication)
    options: dict[str, Any] = {"connection_string": connection_string}
    if credential is not None:
        options["credential"] = credential
    return AzureMonitorTraceExporter(**options), AzureMonitorMetricExporter(**options)


def _credential(authentication: str | None) -> Any:
    parts = dict(part.split("=", 1) for part in (authentication or "").split(";") if "=" in part)
    if parts.get("Authorization", "").upper() != "AAD":
        return None
    client_id = parts.get("ClientId")
    if client_id:
        from azure.identity import ManagedIdentityCredential

        return ManagedIdentityCredential(client_id=client_id)
    from shared.adapters.azure_credential import managed_identity

    return managed_identity()
