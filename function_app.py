"""The function app: one blueprint per area. Nothing else happens at import time."""

import azure.functions as func

from functions import hearings, platform, records, responses, subscriptions, web

BLUEPRINTS = (platform.bp, hearings.bp, responses.bp, subscriptions.bp, records.bp, web.bp)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
for blueprint in BLUEPRINTS:
    app.register_functions(blueprint)
