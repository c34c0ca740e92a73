"""Journalising a concluded hearing into its case: complete, once, and resumable after a crash."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from shared.domain.base import COPENHAGEN
from shared.domain.errors import Conflict, Forbidden
from shared.domain.hearing import HearingDocument, HearingStatus, JournalisingState
from shared.domain.preferences import PreferencesRequest
from shared.ports.records import RecordDocument
from shared.services import digests, preferences, queues
from shared.services.hearing_api import Conclusion, HearingChanges
from shared.services.hearings import conclude_hearing, get_hearing
from shared.services.records import (
    JournalisingRequest,
    Outcome,
    journalise_hearing,
    journalise_now,
    journalise_pending,
)
from shared.services.repositories import HearingRepository
from shared.services.responses import Decision, ResponseSubmission, decide_response, screen_response, submit_response
from tests.fakes import DOCUMENTS, Portal, caseworker, citizen, company_user

PLAN_PDF = b"%PDF-1.7\n% lokalplan for Nordhavn\n"
CASE = "2026-0042"


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def attach_document(portal: Portal, hearing_id: str, document_id: str = "doc-1") -> HearingDocument:
    blob_name = f"{hearing_id}/{document_id}/lokalplan.pdf"
    portal.files.write(DOCUMENTS, blob_name, PLAN_PDF, content_type="application/pdf")
    repository = HearingRepository(portal.store)
    loaded = repository.get(hearing_id)
    assert loaded is not None
    document = HearingDocument(
        id=document_id,
        filename="lokalplan.pdf",
        content_type="application/pdf",
        size=len(PLAN_PDF),
        sha256="not-checked-here",
        blob_name=blob_name,
        uploaded_at=portal.clock.now(),
    )
    loaded.model.attach(document, portal.clock.now())
    repository.save(loaded)
    return document


def respond(portal: Portal, hearing_id: str, who: object, text: str, approve: bool | None) -> str:
    """Submit and screen a response; approve it (True), decline it (False) or leave it (None)."""
    receipt, _ = portal.call(submit_response, who, hearing_id, ResponseSubmission(text=text))  # type: ignore[arg-type]
    portal.call(screen_response, hearing_id, receipt.response_id)
    if approve is not None:
        decision = Decision() if approve else Decision(reason="Uden for høringens emne.")
        portal.call(decide_response, caseworker(), hearing_id, receipt.response_id, approve, decision)
    portal.clock.advance(seconds=1)
    return receipt.response_id


@pytest.fixture
def concluded(portal: Portal) -> tuple[str, dict[str, str]]:
    """A concluded hearing with a document, two approved responses and one declined."""
    hearing_id = portal.active()
    attach_document(portal, hearing_id)
    responses = {
        "anna": respond(portal, hearing_id, citizen("mitid:anna", "Anna Jensen"), "Jeg støtter planen.", True),
        "karin": respond(portal, hearing_id, company_user(), "Virksomheden støtter planen.", True),
        "troll": respond(portal, hearing_id, citizen("mitid:troll"), "Upassende indhold.", False),
    }
    deadline = portal.stored_hearing(hearing_id).deadline
    assert deadline is not None
    portal.clock.set(deadline)
    portal.call(conclude_hearing, caseworker(), hearing_id, Conclusion(conclusion="Planen vedtages."))
    portal.clock.advance(hours=1)
    return hearing_id, responses


def expected_keys(responses: dict[str, str]) -> list[str]:
    return [
        "hearing-text",
        "document-doc-1",
        f"response-{responses['anna']}",
        f"response-{responses['karin']}",
        "conclusion",
        "memo",
    ]


def pdf_text(data: bytes) -> str:
    """The text a PDF shows (pypdf), with line breaks, for checking what a record says."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_journalising_files_pdf_records_closes_the_case_and_archives_the_hearing(
    portal: Portal, concluded: tuple[str, dict[str, str]]
) -> None:
    hearing_id, responses = concluded

    assert portal.call(journalise_hearing, hearing_id) is Outcome.JOURNALISED

    assert portal.records.keys(CASE, hearing_id) == expected_keys(responses)
    assert portal.records.contents[(CASE, hearing_id, "document-doc-1")] == PLAN_PDF  # material as uploaded
    for key in expected_keys(responses):
        if key != "document-doc-1":
            assert portal.records.contents[(CASE, hearing_id, key)].startswith(b"%PDF-"), key
    assert "Cykelsti på Amagerbrogade" in pdf_text(portal.records.contents[(CASE, hearing_id, "hearing-text")])
    karin = pdf_text(portal.records.contents[(CASE, hearing_id, f"response-{responses['karin']}")])
    assert "Virksomheden støtter planen." in karin
    assert "Holm & Co ApS" in karin
    assert "Planen vedtages." in pdf_text(portal.records.contents[(CASE, hearing_id, "conclusion")])
    memo = pdf_text(portal.records.contents[(CASE, hearing_id, "memo")])
    assert "Antal høringssvar: 2" in memo
    assert "Upassende" not in memo  # the declined response is not part of the record

    manifest = portal.records.read_manifest(CASE, hearing_id)
    assert manifest is not None
    assert [item["key"] for item in manifest["documents"]] == expected_keys(responses)  # type: ignore[attr-defined]
    assert (CASE, hearing_id) in portal.records.closed

    stored = portal.stored_hearing(hearing_id)
    assert stored.journalised_at == portal.clock.now()
    assert stored.archived_at == portal.clock.now()
    assert stored.journalising is None
    assert stored.records_reference == f"{CASE}/{hearing_id}/manifest.json"
    view = portal.call(get_hearing, caseworker(), hearing_id)
    assert view.archived_at == stored.archived_at
    assert portal.call(get_hearing, None, hearing_id).status is HearingStatus.CONCLUDED  # public as before


def test_an_archived_hearing_refuses_every_change(portal: Portal, concluded: tuple[str, dict[str, str]]) -> None:
    hearing_id, _ = concluded
    portal.call(journalise_hearing, hearing_id)
    hearing = portal.stored_hearing(hearing_id)
    now = portal.clock.now()

    for change in (
        lambda: hearing.edit(HearingChanges(summary="Ny"), now),
        lambda: hearing.schedule(now, now + timedelta(days=3), now),
        lambda: hearing.conclude("Igen", now),
        lambda: hearing.cancel(now),
        lambda: hearing.check_takes_document(),
    ):
        with pytest.raises(Conflict) as refused:
            change()
        assert "archived" in refused.value.detail and refused.value.problems[0].field == "status"


def test_a_second_run_files_nothing(portal: Portal, concluded: tuple[str, dict[str, str]]) -> None:
    hearing_id, _ = concluded
    portal.call(journalise_hearing, hearing_id)
    calls, journalised_at = portal.records.calls, portal.stored_hearing(hearing_id).journalised_at
    portal.clock.advance(days=1)

    assert portal.call(journalise_hearing, hearing_id) is Outcome.NOTHING_TO_DO

    assert portal.records.calls == calls
    assert portal.stored_hearing(hearing_id).journalised_at == journalised_at


@pytest.mark.parametrize("failing_call", [1, 2, 3, 4, 5, 6])
def test_a_run_that_fails_at_any_filing_marks_the_hearing_and_the_sweep_files_the_rest_once(
    portal: Portal, concluded: tuple[str, dict[str, str]], failing_call: int
) -> None:
    hearing_id, responses = concluded
    portal.records.fail_on_call(failing_call)

    assert portal.call(journalise_hearing, hearing_id) is Outcome.FAILING

    failing_key = expected_keys(responses)[failing_call - 1]
    assert portal.records.keys(CASE, hearing_id) == expected_keys(responses)[: failing_call - 1]
    stored = portal.stored_hearing(hearing_id)
    assert stored.journalised_at is None and stored.archived_at is None
    assert stored.journalising is not None
    assert stored.journalising.state is JournalisingState.FAILING
    assert stored.journalising.reason == f"filing {failing_key}: InjectedFailure"
    assert stored.journalising.attempts == 1
    assert stored.journalising.next_attempt_at == portal.clock.now() + timedelta(minutes=30)
    assert portal.call(get_hearing, caseworker(), hearing_id).journalising == stored.journalising  # the owner sees it
    assert portal.call(get_hearing, None, hearing_id).journalising is None  # the public does not

    assert portal.call(journalise_pending) == 0  # not due yet
    portal.clock.advance(minutes=30)
    assert portal.call(journalise_pending) == 1
    assert portal.call(journalise_pending) == 0

    assert portal.records.keys(CASE, hearing_id) == expected_keys(responses)  # each key filed once
    assert portal.records.calls == failing_call + len(expected_keys(responses))  # the failed call, then all
    stored = portal.stored_hearing(hearing_id)
    assert stored.archived_at is not None and stored.journalising is None


def test_failing_again_waits_twice_as_long_and_counts_the_attempts(
    portal: Portal, concluded: tuple[str, dict[str, str]]
) -> None:
    hearing_id, _ = concluded
    portal.records.fail_on_call(1)
    portal.call(journalise_hearing, hearing_id)
    portal.clock.advance(minutes=30)
    portal.records.fail_on_call(1)

    assert portal.call(journalise_pending) == 0

    state = portal.stored_hearing(hearing_id).journalising
    assert state is not None and state.attempts == 2
    assert state.next_attempt_at == portal.clock.now() + timedelta(hours=1)


def test_a_run_holding_the_hearing_keeps_a_second_run_out(
    portal: Portal, concluded: tuple[str, dict[str, str]]
) -> None:
    hearing_id, _ = concluded
    repository = HearingRepository(portal.store)
    loaded = repository.get(hearing_id)
    assert loaded is not None
    assert loaded.model.start_journalising(portal.clock.now(), timedelta(minutes=30))
    repository.save(loaded)  # a run on another instance holds it

    assert portal.call(journalise_hearing, hearing_id) is Outcome.NOTHING_TO_DO
    assert portal.records.calls == 0
    assert portal.call(journalise_now, caseworker(), hearing_id).request is JournalisingRequest.RUNNING

    portal.clock.advance(minutes=31)  # that run died: its lease ran out
    assert portal.call(journalise_pending) == 1


def test_asking_for_a_run_queues_one_for_a_concluded_hearing_only(
    portal: Portal, concluded: tuple[str, dict[str, str]]
) -> None:
    hearing_id, _ = concluded
    with pytest.raises(Conflict):
        portal.call(journalise_now, caseworker(), portal.active())
    with pytest.raises(Forbidden):
        portal.call(journalise_now, caseworker("entra:other"), hearing_id)
    portal.records.fail_on_call(1)
    portal.call(journalise_hearing, hearing_id)

    view = portal.call(journalise_now, caseworker(), hearing_id)

    assert view.request is JournalisingRequest.QUEUED
    assert view.journalising is not None and view.journalising.state is JournalisingState.FAILING
    [message] = [
        m for m in portal.bus.messages(queues.RECORDS_JOURNALISE) if m.message_id != f"{hearing_id}:journalise"
    ]
    assert message.body == {"hearingId": hearing_id}
    assert portal.call(journalise_hearing, hearing_id) is Outcome.JOURNALISED  # the consumer runs it
    assert portal.call(journalise_now, caseworker(), hearing_id).request is JournalisingRequest.JOURNALISED


def test_the_sweep_leaves_hearings_that_are_not_concluded_alone(portal: Portal) -> None:
    active, awaiting = portal.active(), portal.past_deadline()

    assert portal.call(journalise_pending) == 0
    assert portal.call(journalise_hearing, active) is Outcome.NOTHING_TO_DO
    assert portal.call(journalise_hearing, awaiting) is Outcome.NOTHING_TO_DO
    assert portal.call(journalise_hearing, "no-such-hearing") is Outcome.NOTHING_TO_DO
    assert portal.records.filed == {}


def test_a_hearing_without_documents_or_responses_still_files_text_conclusion_and_memo(portal: Portal) -> None:
    hearing_id = portal.concluded()
    portal.clock.advance(timedelta(minutes=5))

    assert portal.call(journalise_hearing, hearing_id) is Outcome.JOURNALISED

    assert portal.records.keys(CASE, hearing_id) == ["hearing-text", "conclusion", "memo"]


def test_one_hearing_that_cannot_be_filed_does_not_hold_back_the_others(portal: Portal) -> None:
    broken = portal.concluded()
    document = attach_document_to_concluded(portal, broken)
    portal.files.delete(DOCUMENTS, document.blob_name)  # its document has gone missing
    fine = portal.concluded()

    assert portal.call(journalise_pending) == 1

    assert portal.stored_hearing(fine).journalised_at is not None
    state = portal.stored_hearing(broken).journalising
    assert state is not None and state.reason == "reading document-doc-lost: FileNotFoundError"


def attach_document_to_concluded(portal: Portal, hearing_id: str) -> HearingDocument:
    # Documents can only be attached before concluding; write it as if it had been.
    repository = HearingRepository(portal.store)
    loaded = repository.get(hearing_id)
    assert loaded is not None
    document = HearingDocument(
        id="doc-lost",
        filename="bilag.pdf",
        content_type="application/pdf",
        size=len(PLAN_PDF),
        sha256="not-checked-here",
        blob_name=f"{hearing_id}/doc-lost/bilag.pdf",
        uploaded_at=portal.clock.now(),
    )
    loaded.model.documents.append(document)
    repository.save(loaded)
    return document


def test_the_owners_digest_says_when_journalising_keeps_failing(
    portal: Portal, concluded: tuple[str, dict[str, str]]
) -> None:
    hearing_id, _ = concluded
    portal.call(preferences.set_preferences, caseworker(), PreferencesRequest())  # the owner's address
    portal.records.fail_on_call(2)
    portal.call(journalise_hearing, hearing_id)
    morning = portal.clock.now().astimezone(COPENHAGEN).replace(hour=7, minute=5) + timedelta(days=1)
    portal.clock.set(morning)

    portal.call(digests.send_digests)

    [digest] = [sent for sent in portal.mailer.sent if "Journaliseringen fejler" in sent.text]
    assert "Journaliseringen fejler (1 forsøg)" in digest.text
    assert "Cykelsti på Amagerbrogade" in digest.text
    assert "InjectedFailure" not in digest.text  # the reason is for the hearing view, not for mail


def file_another_hearing_text(portal: Portal, hearing_id: str) -> None:
    """The records system holds another version of the hearing text (another portal filed it, say)."""
    other = RecordDocument(
        key="hearing-text",
        title="Høringstekst",
        filename="hoeringstekst.pdf",
        content_type="application/pdf",
        content=b"%PDF-1.7\n% another version\n",
    )
    portal.records.file_document(CASE, hearing_id, other)


def test_another_version_in_the_records_system_stops_journalising_until_a_run_is_asked_for(
    portal: Portal, concluded: tuple[str, dict[str, str]]
) -> None:
    hearing_id, _ = concluded
    file_another_hearing_text(portal, hearing_id)

    assert portal.call(journalise_hearing, hearing_id) is Outcome.FAILING

    state = portal.stored_hearing(hearing_id).journalising
    assert state is not None and state.state is JournalisingState.CONFLICT
    assert state.reason == "filing hearing-text: RecordConflict"
    assert state.next_attempt_at is None  # waiting cannot resolve it
    assert portal.call(get_hearing, caseworker(), hearing_id).journalising == state  # the owner sees it
    calls = portal.records.calls
    portal.clock.advance(days=2)
    assert portal.call(journalise_pending) == 0
    assert portal.records.calls == calls  # the sweep leaves it for a person

    # The records manager removes the version that does not belong; the owner asks for a run.
    del portal.records.filed[(CASE, hearing_id, "hearing-text")]
    assert portal.call(journalise_now, caseworker(), hearing_id).request is JournalisingRequest.QUEUED
    assert portal.call(journalise_hearing, hearing_id) is Outcome.JOURNALISED
    assert portal.stored_hearing(hearing_id).journalising is None


def test_the_owners_digest_says_when_journalising_waits_for_the_records_manager(
    portal: Portal, concluded: tuple[str, dict[str, str]]
) -> None:
    hearing_id, _ = concluded
    portal.call(preferences.set_preferences, caseworker(), PreferencesRequest())
    file_another_hearing_text(portal, hearing_id)
    portal.call(journalise_hearing, hearing_id)
    portal.clock.set(portal.clock.now().astimezone(COPENHAGEN).replace(hour=7, minute=5) + timedelta(days=1))

    portal.call(digests.send_digests)

    [digest] = [sent for sent in portal.mailer.sent if "Journaliseringen er standset" in sent.text]
    assert "en anden udgave af et af høringens dokumenter" in digest.text
    assert "RecordConflict" not in digest.text
