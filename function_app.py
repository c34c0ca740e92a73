"""The function app: one blueprint per area. Nothing else happens at import time."""

import azure.functions as func

from functions import dev_login, hearings, platform, records, responses, subscriptions

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
for blueprint in (platform.bp, dev_login.bp, hearings.bp, responses.bp, subscriptions.bp, records.bp):
    app.register_functions(blueprint)
