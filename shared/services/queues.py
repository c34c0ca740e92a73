"""Queue names, shared by the services that publish and the functions that consume."""

RESPONSES_RECEIVED = "responses-received"
HEARING_EVENTS = "hearing-events"
RECORDS_JOURNALISE = "records-journalise"
# One message per batch of recipients of one event; a second consumer sends them (notifications.py).
NOTIFICATION_BATCHES = "notification-batches"

ALL = (RESPONSES_RECEIVED, HEARING_EVENTS, RECORDS_JOURNALISE, NOTIFICATION_BATCHES)
