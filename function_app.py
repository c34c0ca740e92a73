"""The function app: one blueprint per area. Nothing else happens at import time.

The same package runs as the intake app and the workers app in Azure (``functions/groups.py``).
"""

import azure.functions as func

from functions import attachments, hearings, platform, privacy, records, responses, subscriptions
from functions.groups import PortalFunctionApp

BLUEPRINTS = (platform.bp, hearings.bp, responses.bp, subscriptions.bp, records.bp, attachments.bp, privacy.bp)

app = PortalFunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
for blueprint in BLUEPRINTS:
    app.register_functions(blueprint)
