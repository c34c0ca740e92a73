"""Records: journalise concluded hearings into the records system (ESDH), then archive them."""

from __future__ import annotations

import json
import logging

import azure.functions as func

from functions.http import http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.observability.spans import consumer
from shared.services import queues, records

bp = func.Blueprint()
log = logging.getLogger(__name__)
TAG = "Records"


@bp.service_bus_queue_trigger(arg_name="msg", queue_name=queues.RECORDS_JOURNALISE, connection="ServiceBusConnection")
@consumer(queues.RECORDS_JOURNALISE)
def journalise_hearing(msg: func.ServiceBusMessage) -> None:
    """A failing records system is marked on the hearing and retried by the sweep, so it does not use
    up the message's deliveries; only a hearing that cannot be read or written raises (and is redelivered)."""
    hearing_id = json.loads(msg.get_body())["hearingId"]
    outcome = call(records.journalise_hearing, hearing_id)
    log.info("journalising hearing %s: %s", hearing_id, outcome.value)


@bp.timer_trigger(schedule="0 30 * * * *", arg_name="timer", run_on_startup=False)
def journalise_pending(timer: func.TimerRequest) -> None:
    """Hourly: concluded hearings whose message was lost, or whose retry after a failure is due (the
    hearing says when; most hours there is nothing to do)."""
    done = call(records.journalise_pending)
    if done:
        log.info("journalised %d hearing(s) left behind", done)


@http_function(
    bp,
    "POST",
    "hearings/{hearing_id}/journalise",
    summary="Journalise a concluded hearing now (owner or admin): queued, answered with its state",
    tag=TAG,
    status=202,
    calls=records.journalise_now,
)
def journalise_now(who: Identity, hearing_id: str) -> records.JournalisingView:
    return call(records.journalise_now, who, hearing_id)
