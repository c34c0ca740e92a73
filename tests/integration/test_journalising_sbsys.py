"""Journalising through the service into SBSYS (the records test server, over HTTP), interrupted anywhere.

The server fails every call from the Nth on (before or after doing the work), for every N a whole
run makes. The run marks the hearing failing; once the server answers again the sweep files the
rest, and every document is in the case exactly once, linked to its step, and the case is closed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.adapters.sbsys_records import SbsysConfig, SbsysRecords, hearing_marker
from shared.domain.hearing import JournalisingState
from shared.ports.records import CaseRequest
from shared.services.hearing_api import Conclusion
from shared.services.hearings import conclude_hearing
from shared.services.records import Outcome, journalise_hearing, journalise_now, journalise_pending
from shared.services.repositories import HearingRepository
from shared.services.responses import Decision, ResponseSubmission, decide_response, screen_response, submit_response
from tests.fakes import Portal, caseworker, citizen, company_user
from tests.records_server.fixture import CLIENT_ID, CLIENT_SECRET, OWNER, TEMPLATE, RecordsServer, running_server

STEPS = {"hearing-text": "Høringstekst", "response": "Høringssvar", "conclusion": "Konklusion", "memo": "Konklusion"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordsServer]:
    yield from running_server(Path(tmp_path_factory.mktemp("records-server")))


def sbsys(server: RecordsServer) -> SbsysRecords:
    """A fresh client (so its token is fetched again), retrying once without waiting."""
    config = SbsysConfig(
        base_url=server.url + "/api/",
        token_url=server.url + "/token",
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        templates={"01": TEMPLATE},
        default_template=TEMPLATE,
        timeout_seconds=2.0,
        attempts=2,
        backoff_seconds=0.0,
    )
    return SbsysRecords(config, sleep=lambda seconds: None)


def concluded_with_case(portal: Portal, server: RecordsServer, name: str) -> str:
    """A concluded hearing with two approved responses, whose case was opened in SBSYS."""
    hearing_id = portal.active(title=f"Cykelsti {name}")
    for who, text in ((citizen(f"mitid:{name}", "Anna Jensen"), "Jeg støtter."), (company_user(), "Vi støtter.")):
        receipt, _ = portal.call(submit_response, who, hearing_id, ResponseSubmission(text=text))
        portal.call(screen_response, hearing_id, receipt.response_id)
        portal.call(decide_response, caseworker(), hearing_id, receipt.response_id, True, Decision())
    repository = HearingRepository(portal.store)
    loaded = repository.get(hearing_id)
    assert loaded is not None
    request = CaseRequest(hearing_id=hearing_id, title=loaded.model.title, kle=None, owner=OWNER)
    loaded.model.case_number = sbsys(server).ensure_case(request)
    repository.save(loaded)
    deadline = portal.stored_hearing(hearing_id).deadline
    assert deadline is not None
    portal.clock.set(deadline)
    portal.call(conclude_hearing, caseworker(), hearing_id, Conclusion(conclusion="Planen vedtages."))
    return hearing_id


def filed_for(server: RecordsServer, hearing_id: str) -> Counter[str]:
    prefix = f"[høringsportal:{hearing_id}/"
    keys: Counter[str] = Counter()
    for document in server.state()["documents"]:
        description = document["Beskrivelse"]
        if prefix in description:
            keys[description.split(prefix, 1)[1].rstrip("]")] += 1
    return keys


def assert_filed_once_linked_and_closed(server: RecordsServer, hearing_id: str) -> None:
    keys = filed_for(server, hearing_id)
    assert set(keys.values()) == {1}, keys
    assert len([key for key in keys if key.startswith("response-")]) == 2
    assert {"hearing-text", "conclusion", "memo", "manifest"} <= keys.keys()
    state = server.state()
    [case] = [case for case in state["cases"] if hearing_marker(hearing_id) in case["SagsTitel"]]
    assert case["SagsStatus"]["Navn"] == "Afsluttet"
    steps = {step["ID"]: step["Titel"] for step in state["steps"] if step["SagID"] == case["Id"]}
    linked = {document: steps[step] for step, document in state["links"] if step in steps}
    for document in state["documents"]:
        if document["SagID"] == case["Id"]:
            key = document["Beskrivelse"].rsplit("/", 1)[1].rstrip("]")
            expected = STEPS.get(key.split("-")[0] if key.startswith("response-") else key, "Konklusion")
            assert linked[document["Id"]] == expected, key


def calls_of_a_clean_run(portal: Portal, server: RecordsServer) -> int:
    hearing_id = concluded_with_case(portal, server, "clean")
    before = len(server.state()["requests"])
    assert portal.call(journalise_hearing, hearing_id, records=sbsys(server)) is Outcome.JOURNALISED
    assert_filed_once_linked_and_closed(server, hearing_id)
    return len(server.state()["requests"]) - before


def test_a_run_interrupted_at_every_call_ends_with_each_document_filed_once(server: RecordsServer) -> None:
    portal = Portal.start()
    total = calls_of_a_clean_run(portal, server)
    assert total > 20  # token, case, then look-up, filing and linking per document, manifest, closing

    for failing in range(1, total + 1):
        hearing_id = concluded_with_case(portal, server, f"n{failing}")
        kind = "error" if failing % 2 else "error_after_accept"  # before or after SBSYS did the work
        server.fail({"method": "*", "path": "/", "kind": kind, "skip": failing - 1, "times": 1000})

        assert portal.call(journalise_hearing, hearing_id, records=sbsys(server)) is Outcome.FAILING, failing

        stored = portal.stored_hearing(hearing_id)
        assert stored.journalising is not None and stored.journalising.state is JournalisingState.FAILING
        assert stored.journalising.reason and "Anna" not in stored.journalising.reason
        assert stored.archived_at is None
        server.fail()  # SBSYS answers again
        portal.clock.advance(hours=1)
        assert portal.call(journalise_pending, records=sbsys(server)) == 1, failing
        assert_filed_once_linked_and_closed(server, hearing_id)
        assert portal.stored_hearing(hearing_id).archived_at is not None


def test_asking_again_while_sbsys_is_down_marks_each_attempt_and_files_once_after(server: RecordsServer) -> None:
    portal = Portal.start()
    hearing_id = concluded_with_case(portal, server, "down")
    server.fail({"method": "*", "path": "/api/dokument/journaliser", "kind": "retry_after", "times": 1000})

    for attempt in (1, 2):
        assert portal.call(journalise_hearing, hearing_id, records=sbsys(server)) is Outcome.FAILING
        state = portal.stored_hearing(hearing_id).journalising
        assert state is not None and state.attempts == attempt
        assert state.reason == "filing hearing-text: _Retryable"

    server.fail()
    assert portal.call(journalise_now, caseworker(), hearing_id).request.value == "queued"
    assert portal.call(journalise_hearing, hearing_id, records=sbsys(server)) is Outcome.JOURNALISED
    assert_filed_once_linked_and_closed(server, hearing_id)
