"""Records: journalise concluded hearings into the records system (ESDH)."""

from __future__ import annotations

import json
import logging

import azure.functions as func

from shared.bootstrap import call
from shared.observability import metrics, names
from shared.observability.spans import consumer
from shared.services import queues, records

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.service_bus_queue_trigger(arg_name="msg", queue_name=queues.RECORDS_JOURNALISE, connection="ServiceBusConnection")
@consumer(queues.RECORDS_JOURNALISE)
def journalise_hearing(msg: func.ServiceBusMessage) -> None:
    hearing_id = json.loads(msg.get_body())["hearingId"]
    try:
        journalised = call(records.journalise_hearing, hearing_id)
    except Exception:
        metrics.count(names.JOURNALISING_FAILURES)  # the queue retries; the alert sees every failed attempt
        raise
    if journalised:
        log.info("hearing %s journalised", hearing_id)


@bp.timer_trigger(schedule="0 30 2 * * *", arg_name="timer", run_on_startup=False)
def journalise_pending(timer: func.TimerRequest) -> None:
    """Nightly: journalise concluded hearings whose message was lost or dead-lettered."""
    done = call(records.journalise_pending)
    if done:
        log.info("journalised %d hearing(s) left behind", done)
