"""Journalising a concluded hearing into its case: complete, once, and resumable after a crash."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from shared.domain.hearing import HearingDocument
from shared.services.hearing_api import Conclusion
from shared.services.hearings import conclude_hearing
from shared.services.records import journalise_hearing, journalise_pending
from shared.services.repositories import HearingRepository
from shared.services.responses import Decision, ResponseSubmission, decide_response, screen_response, submit_response
from tests.fakes import DOCUMENTS, InjectedFailure, Portal, caseworker, citizen, company_user

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
        portal.call(decide_response, caseworker(), hearing_id, receipt.response_id, approve, Decision())
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
    ]


def test_journalising_files_text_document_approved_responses_conclusion_and_a_manifest(
    portal: Portal, concluded: tuple[str, dict[str, str]]
) -> None:
    hearing_id, responses = concluded

    assert portal.call(journalise_hearing, hearing_id) is True

    assert portal.records.keys(CASE, hearing_id) == expected_keys(responses)
    assert portal.records.contents[(CASE, hearing_id, "document-doc-1")] == PLAN_PDF
    hearing_text = json.loads(portal.records.contents[(CASE, hearing_id, "hearing-text")])
    assert hearing_text["title"] == "Cykelsti på Amagerbrogade"
    karin = json.loads(portal.records.contents[(CASE, hearing_id, f"response-{responses['karin']}")])
    assert karin["text"] == "Virksomheden støtter planen."
    assert karin["respondent"]["companyName"] == "Holm & Co ApS"
    assert karin["digest"] == portal.stored_response(hearing_id, responses["karin"]).digest
    conclusion = json.loads(portal.records.contents[(CASE, hearing_id, "conclusion")])
    assert conclusion["conclusion"] == "Planen vedtages."

    manifest = portal.records.read_manifest(CASE, hearing_id)
    assert manifest is not None
    assert manifest["caseNumber"] == CASE
    assert [item["key"] for item in manifest["documents"]] == expected_keys(responses)  # type: ignore[attr-defined]

    stored = portal.stored_hearing(hearing_id)
    assert stored.journalised_at == portal.clock.now()
    assert stored.records_reference == f"{CASE}/{hearing_id}/manifest.json"


def test_a_second_run_files_nothing(portal: Portal, concluded: tuple[str, dict[str, str]]) -> None:
    hearing_id, _ = concluded
    portal.call(journalise_hearing, hearing_id)
    calls, journalised_at = portal.records.calls, portal.stored_hearing(hearing_id).journalised_at
    portal.clock.advance(days=1)

    assert portal.call(journalise_hearing, hearing_id) is False

    assert portal.records.calls == calls
    assert portal.stored_hearing(hearing_id).journalised_at == journalised_at


def test_a_run_that_crashed_half_way_completes_on_the_next_run_without_duplicates(
    portal: Portal, concluded: tuple[str, dict[str, str]]
) -> None:
    hearing_id, responses = concluded
    portal.records.fail_on_call(3)

    with pytest.raises(InjectedFailure):
        portal.call(journalise_hearing, hearing_id)

    assert portal.records.keys(CASE, hearing_id) == ["hearing-text", "document-doc-1"]
    assert portal.records.read_manifest(CASE, hearing_id) is None
    assert portal.stored_hearing(hearing_id).journalised_at is None

    assert portal.call(journalise_hearing, hearing_id) is True

    assert portal.records.keys(CASE, hearing_id) == expected_keys(responses)
    manifest = portal.records.read_manifest(CASE, hearing_id)
    assert manifest is not None
    assert [item["key"] for item in manifest["documents"]] == expected_keys(responses)  # type: ignore[attr-defined]
    assert portal.stored_hearing(hearing_id).journalised_at is not None


def test_the_sweep_picks_up_a_hearing_whose_journalising_failed(
    portal: Portal, concluded: tuple[str, dict[str, str]]
) -> None:
    hearing_id, responses = concluded
    portal.records.fail_on_call(3)
    with pytest.raises(InjectedFailure):
        portal.call(journalise_hearing, hearing_id)

    assert portal.call(journalise_pending) == 1
    assert portal.call(journalise_pending) == 0

    assert portal.records.keys(CASE, hearing_id) == expected_keys(responses)
    assert portal.stored_hearing(hearing_id).journalised_at is not None


def test_the_sweep_leaves_hearings_that_are_not_concluded_alone(portal: Portal) -> None:
    active, awaiting = portal.active(), portal.past_deadline()

    assert portal.call(journalise_pending) == 0
    assert portal.call(journalise_hearing, active) is False
    assert portal.call(journalise_hearing, awaiting) is False
    assert portal.call(journalise_hearing, "no-such-hearing") is False
    assert portal.records.filed == {}


def test_a_hearing_without_documents_or_responses_still_files_text_and_conclusion(portal: Portal) -> None:
    hearing_id = portal.concluded()
    portal.clock.advance(timedelta(minutes=5))

    assert portal.call(journalise_hearing, hearing_id) is True

    assert portal.records.keys(CASE, hearing_id) == ["hearing-text", "conclusion"]


def test_one_hearing_that_cannot_be_filed_does_not_hold_back_the_others(portal: Portal) -> None:
    broken = portal.concluded()
    document = attach_document_to_concluded(portal, broken)
    portal.files.delete(DOCUMENTS, document.blob_name)  # its document has gone missing
    fine = portal.concluded()

    assert portal.call(journalise_pending) == 1

    assert portal.stored_hearing(fine).journalised_at is not None
    assert portal.stored_hearing(broken).journalised_at is None  # tried again by the next run


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
