"""Queue names, shared by the services that publish and the functions that consume."""

RESPONSES_RECEIVED = "responses-received"
HEARING_EVENTS = "hearing-events"
RECORDS_JOURNALISE = "records-journalise"

ALL = (RESPONSES_RECEIVED, HEARING_EVENTS, RECORDS_JOURNALISE)
