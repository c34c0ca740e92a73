"""Privacy: a person's own data (a copy, and its deletion) and the nightly retention run."""

from __future__ import annotations

import logging

import azure.functions as func

from functions.http import http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.services import personal_data, retention
from shared.services.personal_data import DeletionAnswer, MyData

bp = func.Blueprint()
TAG = "Privacy"
log = logging.getLogger(__name__)


@http_function(
    bp, "GET", "me/data", summary="A copy of everything the portal holds about me", tag=TAG, calls=personal_data.my_data
)
def my_data(who: Identity) -> MyData:
    return call(personal_data.my_data, who)


@http_function(
    bp,
    "DELETE",
    "me/data",
    summary="Delete my data where no archiving rule holds it; says per item what was kept and why",
    tag=TAG,
    calls=personal_data.delete_my_data,
)
def delete_my_data(who: Identity) -> DeletionAnswer:
    return call(personal_data.delete_my_data, who)


@bp.timer_trigger(schedule="0 0 3 * * *", arg_name="timer", run_on_startup=False)
def purge_expired_personal_data(timer: func.TimerRequest) -> None:
    """Nightly: delete respondents' identities, attachments and exports of hearings past their period."""
    report = call(retention.purge_due)
    if report.purged or report.not_journalised:
        log.info(
            "retention: %d hearings purged, %d past their period but not journalised",
            len(report.purged),
            len(report.not_journalised),
        )
