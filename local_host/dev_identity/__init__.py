"""Development sign-in: a local OpenID Connect issuer for fictitious personas.

Only the local host and the tests load this package; the deployed ``function_app`` neither imports
it nor lists its endpoints (checked by import-linter and by ``tests/unit/test_deployed_app.py``).
The local host builds the issuer (``DevIssuer.for_settings``, refused in production and in Azure),
trusts it in the composition root (``build(settings, extra_issuers=[issuer.trusted_issuer()])``)
and registers ``bp`` on the app it loads (``register``).
"""

from __future__ import annotations

from azure.functions.decorators.function_app import FunctionRegister


def register(app: FunctionRegister) -> None:
    """Add the development endpoints under /api/dev to ``app`` (once)."""
    if getattr(app, "_dev_identity_registered", False):
        return
    from local_host.dev_identity.functions import bp

    app.register_functions(bp)
    app._dev_identity_registered = True  # type: ignore[attr-defined]
