"""The names of span attributes and metrics, in one place: ``docs/telemetry.md`` documents each of them.

Attributes follow the OpenTelemetry semantic conventions where one exists; the portal's own start with
``portal.``. No attribute ever carries a request body, a header, a name, a CPR number, an e-mail address
or a token: the entry points set only the values listed here, and the scrubbing processor
(``shared.observability.scrubbing``) blanks whatever slips through anyway.
"""

SERVICE_NAME = "hearing-portal"
INSTRUMENTATION_SCOPE = "hearing-portal"

# -- span attributes ------------------------------------------------------------------------------------
FAAS_NAME = "faas.name"  # the function's name, as in function_app.py
FAAS_TRIGGER = "faas.trigger"  # "http", "pubsub"
HTTP_METHOD = "http.request.method"
HTTP_ROUTE = "http.route"  # the route template ("hearings/{hearing_id}/responses"), never the URL
HTTP_STATUS = "http.response.status_code"
MESSAGING_SYSTEM = "messaging.system"  # "servicebus" (the local queue stands in for it)
MESSAGING_DESTINATION = "messaging.destination.name"  # the queue
MESSAGING_OPERATION = "messaging.operation.type"  # "process"
MESSAGING_DELIVERY_COUNT = "messaging.servicebus.message.delivery_count"
ERROR_TYPE = "error.type"  # the exception's class name, never its message
HEARING_ID = "portal.hearing_id"
OUTCOME = "portal.outcome"  # "success" or "failure"

# -- metrics ----------------------------------------------------------------------------------------------
RESPONSES_RECEIVED = "portal.responses.received"
RECEIPTS_ISSUED = "portal.receipts.issued"
NOTIFICATIONS_SENT = "portal.notifications.sent"
NOTIFICATIONS_FAILED = "portal.notifications.failed"
JOURNALISING_FAILURES = "portal.journalising.failures"  # the alert in infra/modules/alerts.bicep reads it
QUEUE_DEPTH = "portal.queue.depth"
QUEUE_OLDEST_AGE = "portal.queue.oldest_age"

COUNTERS = {
    RESPONSES_RECEIVED: "new responses stored by the intake",
    RECEIPTS_ISSUED: "receipts answered, for new and for repeated submissions",
    NOTIFICATIONS_SENT: "notifications handed to the mailer (by channel)",
    NOTIFICATIONS_FAILED: "notifications the mailer refused or failed to send (by channel)",
    JOURNALISING_FAILURES: "attempts to journalise a hearing that failed",
}

# Attribute of the metrics above.
CHANNEL = "portal.channel"  # "email" or "digital-post"
