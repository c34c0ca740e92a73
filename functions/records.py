"""Records: journalise concluded hearings into the records system (ESDH)."""

from __future__ import annotations

import json
import logging

import azure.functions as func

from shared.bootstrap import call
from shared.services import queues, records

bp = func.Blueprint()
log = logging.getLogger(__name__)


@bp.service_bus_queue_trigger(arg_name="msg", queue_name=queues.RECORDS_JOURNALISE, connection="ServiceBusConnection")
def journalise_hearing(msg: func.ServiceBusMessage) -> None:
    hearing_id = json.loads(msg.get_body())["hearingId"]
    if call(records.journalise_hearing, hearing_id):
        log.info("hearing %s journalised", hearing_id)


@bp.timer_trigger(schedule="0 30 2 * * *", arg_name="timer", run_on_startup=False)
def journalise_pending(timer: func.TimerRequest) -> None:
    """Nightly: journalise concluded hearings whose message was lost or dead-lettered."""
    done = call(records.journalise_pending)
    if done:
        log.info("journalised %d hearing(s) left behind", done)
