"""Blob containers the portal uses, by what they hold."""

UPLOADS_CONTAINER = "uploads"  # browsers PUT files here through a short-lived URL
HEARING_FILES_CONTAINER = "documents"  # hearing documents that passed the checks
RECORDS_CONTAINER = "records"  # the local archive standing in for the records system
OUTBOX_CONTAINER = "outbox"  # in Azure, notifications for channels without a delivery adapter yet
RESPONSE_UPLOADS_CONTAINER = "response-uploads"  # respondents PUT attachments here through a short-lived URL
ATTACHMENTS_CONTAINER = "attachments"  # response attachments that passed the checks and the malware scan
QUARANTINE_CONTAINER = "quarantine"  # uploads the malware scan refused; kept apart, never served
EXPORTS_CONTAINER = "exports"  # the owners' exports of responses, deleted after PORTAL_EXPORT_RETENTION_HOURS
BLOB_CONTAINERS = (
    UPLOADS_CONTAINER,
    HEARING_FILES_CONTAINER,
    RECORDS_CONTAINER,
    OUTBOX_CONTAINER,
    RESPONSE_UPLOADS_CONTAINER,
    ATTACHMENTS_CONTAINER,
    QUARANTINE_CONTAINER,
    EXPORTS_CONTAINER,
)
