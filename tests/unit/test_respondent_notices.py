"""The respondent is told about their own response: receipt, decline, publication, redaction; once each."""

from __future__ import annotations

import pytest

from shared.domain.preferences import PreferencesRequest
from shared.domain.redaction import Span
from shared.ports.mail import Notification
from shared.services.moderation import RedactionRequest, redact_spans
from shared.services.preferences import set_preferences
from shared.services.repositories import ResponseRepository
from shared.services.respondent_notices import verification_code
from shared.services.response_receipts import current_payload
from shared.services.responses import Decision, ResponseSubmission, decide_response, screen_response, submit_response
from tests.fakes import Portal, caseworker, citizen, company_user

ANNA = citizen("mitid:anna", "Anna Jensen")
OWNER = caseworker()


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def submitted(portal: Portal, hearing_id: str, who: object, text: str = "Jeg er imod planen.") -> str:
    receipt, _ = portal.call(submit_response, who, hearing_id, ResponseSubmission.model_validate({"text": text}))
    portal.call(screen_response, hearing_id, receipt.response_id)
    return receipt.response_id


def told(portal: Portal, words: str) -> list[Notification]:
    return [notice for notice in portal.mailer.sent if words in notice.subject]


def test_the_receipt_carries_its_verification_code_and_link_and_is_sent_once(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = submitted(portal, hearing_id, ANNA)
    portal.call(screen_response, hearing_id, response_id)  # the queue delivers the message again

    (notice,) = told(portal, "Kvittering")
    loaded = ResponseRepository(portal.store).require(hearing_id, response_id)
    code = verification_code(current_payload(loaded.model))
    assert code in notice.text and code in notice.html
    assert f"https://hoeringer.kommune.example/hoeringer/{hearing_id}/kvittering\n" in notice.text  # the receipt page
    assert notice.channel == "digital-post" and notice.recipient.startswith("cpr-sealed:")
    assert "0101901234" not in notice.text + notice.html + notice.recipient


def test_the_receipt_is_in_the_language_and_channel_the_respondent_chose(portal: Portal) -> None:
    karin = company_user()
    portal.call(set_preferences, karin, PreferencesRequest(language="en"))
    hearing_id = portal.active()
    submitted(portal, hearing_id, karin)

    (notice,) = told(portal, "Receipt for your response")
    assert notice.language == "en" and notice.recipient == "cvr:39162571"
    assert told(portal, "Kvittering") == []


def test_a_decline_tells_the_reason_once_and_only_to_the_respondent(portal: Portal) -> None:
    hearing_id = portal.active()
    anna = submitted(portal, hearing_id, ANNA)
    submitted(portal, hearing_id, company_user(), "Vi er for.")
    decline = Decision(reason="Svaret handler om en anden sag.")

    portal.call(decide_response, OWNER, hearing_id, anna, False, decline)
    portal.call(decide_response, OWNER, hearing_id, anna, False, decline)  # the same decision again

    (notice,) = told(portal, "ikke offentliggjort")
    assert "Svaret handler om en anden sag." in notice.text
    assert notice.recipient.startswith("cpr-sealed:")


def test_publication_is_told_to_the_respondent(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = submitted(portal, hearing_id, ANNA)

    portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision(publish=True))

    (notice,) = told(portal, "offentliggjort")
    assert notice.recipient.startswith("cpr-sealed:") and "ikke" not in notice.subject


def test_approving_without_publishing_tells_nothing_about_publication(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = submitted(portal, hearing_id, ANNA)

    portal.call(decide_response, OWNER, hearing_id, response_id, True, Decision(publish=False))

    assert told(portal, "offentliggjort") == []


def test_a_redaction_by_hand_is_told_with_its_reason(portal: Portal) -> None:
    hearing_id = portal.active()
    response_id = submitted(portal, hearing_id, ANNA, "Naboen Jens larmer hver nat.")
    request = RedactionRequest(spans=[Span(start=6, end=10)], reason="Kan identificere naboen")

    portal.call(redact_spans, OWNER, hearing_id, response_id, request)

    (notice,) = told(portal, "redigeret")
    assert "Kan identificere naboen" in notice.text
    assert "Jens" not in notice.text + notice.html
