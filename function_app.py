"""The function app: one blueprint per area. Nothing else happens at import time.

The same package runs as the intake app and the workers app in Azure (``functions/groups.py``).
"""

import azure.functions as func

from functions import (
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
)
from functions.groups import PortalFunctionApp

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
    web.bp,  # the pages under /, after every API route under /api
)

app = PortalFunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
for blueprint in BLUEPRINTS:
    app.register_functions(blueprint)
