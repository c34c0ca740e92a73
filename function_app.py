"""The function app: one blueprint per area. Nothing else happens at import time.

The same package runs as the intake app and the workers app in Azure (``functions/groups.py``).
"""

import gc

import azure.functions as func

# Indexing allocates tens of thousands of long-lived objects (models, signatures, bindings) and frees
# almost none, so the collector's passes during it find nothing to collect and cost a large share of
# the cold start. It stays off while the portal's modules load; afterwards what they built is frozen
# out of later full passes (``gc.freeze``), and collection resumes as usual.
_collecting = gc.isenabled()
gc.disable()

from functions import (  # noqa: E402  (after the collector is paused)
    admin,
    attachments,
    campaigns,
    exports,
    hearings,
    meetings,
    moderation,
    notifications,
    platform,
    privacy,
    receipts,
    records,
    responses,
    subscriptions,
    web,
    web_admin,
    web_caseworker,
    web_mine,
    web_moderation,
)
from functions.groups import PortalFunctionApp  # noqa: E402

BLUEPRINTS = (
    platform.bp,
    hearings.bp,
    responses.bp,
    receipts.bp,
    moderation.bp,
    admin.bp,
    subscriptions.bp,
    notifications.bp,
    records.bp,
    attachments.bp,
    meetings.bp,
    privacy.bp,
    campaigns.bp,
    exports.bp,
    web_caseworker.bp,  # the caseworker's pages under /sagsbehandler
    web_mine.bp,
    web_admin.bp,  # the admins' pages, before the catch-all of web.bp
    web_moderation.bp,  # the moderation console, before the catch-all of web.bp
    web.bp,  # the pages under /, after every API route under /api
)

app = PortalFunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
for blueprint in BLUEPRINTS:
    app.register_functions(blueprint)

gc.freeze()
if _collecting:
    gc.enable()
