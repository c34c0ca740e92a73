"""Signed receipts of responses: numbered, logged per version, verifiable by anyone, and "my responses"."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from shared.adapters.local_receipt_signer import LocalReceiptSigner
from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.domain.identity import Identity
from shared.domain.receipts import b64url, b64url_decode, receipt_payload_of, sha256_hex
from shared.domain.reference import HearingTemplate
from shared.services.repositories import ReferenceRepository, ResponseRepository
from shared.services.response_receipts import (
    VerifyRequest,
    my_responses,
    response_receipt,
    response_versions,
    tree_head_consistency,
    tree_heads,
    verify_receipt,
)
from shared.services.responses import (
    Decision,
    ResponseSubmission,
    decide_response,
    revise_response,
    screen_response,
    submit_response,
    withdraw_response,
)
from tests.fakes import TEMPLATE_ID, Portal, caseworker, citizen

ANNA = citizen("mitid:anna", "Anna Jensen")
BO = citizen("mitid:bo", "Bo Nielsen")
OWNER = caseworker()


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def say(text: str) -> ResponseSubmission:
    return ResponseSubmission(text=text)


def filed(portal: Portal, hearing_id: str, who: Identity = ANNA, text: str = "Jeg støtter planen.") -> str:
    receipt, _ = portal.call(submit_response, who, hearing_id, say(text))
    portal.call(screen_response, hearing_id, receipt.response_id)
    return receipt.response_id


def test_the_consumer_numbers_responses_in_arrival_order_and_signs_each(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    anna, bo = filed(portal, hearing_id, ANNA), filed(portal, hearing_id, BO)

    assert portal.stored_response(hearing_id, anna).number == 1
    assert portal.stored_response(hearing_id, bo).number == 2
    receipt = portal.call(response_receipt, BO, hearing_id, bo)
    payload = receipt_payload_of(receipt.receipt)
    assert (payload.number, payload.version, payload.response_id) == (2, 1, bo)
    assert payload.text_sha256 == sha256_hex(b"Jeg st\xc3\xb8tter planen.")
    assert receipt.inclusion_proof.log_index == 1
    verdict = portal.call(verify_receipt, VerifyRequest(receipt=receipt.receipt))
    assert (verdict.genuine, verdict.in_log, verdict.content) == (True, True, "matches")


def test_the_receipt_file_as_downloaded_is_verified_as_it_is(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    anna = filed(portal, hearing_id, ANNA)
    kept = portal.call(response_receipt, ANNA, hearing_id, anna).to_document()

    verdict = portal.call(verify_receipt, VerifyRequest.model_validate(kept))

    assert set(kept) == {"receipt", "inclusionProof", "treeHead"}
    assert (verdict.genuine, verdict.in_log, verdict.content) == (True, True, "matches")


def test_a_redelivered_message_changes_no_number_and_logs_nothing_twice(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    anna = filed(portal, hearing_id, ANNA)
    portal.call(screen_response, hearing_id, anna)
    filed(portal, hearing_id, BO)
    assert portal.stored_response(hearing_id, anna).number == 1
    assert portal.call(response_receipt, ANNA, hearing_id, anna).tree_head  # a head is published on demand
    heads = portal.call(tree_heads, None, hearing_id).items
    assert heads[0].tree_size == 2  # two responses, one leaf each


def test_the_receipt_is_there_before_the_consumer_ran(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    receipt, _ = portal.call(submit_response, ANNA, hearing_id, say("Hurtigt svar."))
    assert receipt.receipt_url.endswith(f"/responses/{receipt.response_id}/receipt?version=1")
    signed = portal.call(response_receipt, ANNA, hearing_id, receipt.response_id)
    assert receipt_payload_of(signed.receipt).number == 1


def test_a_tampered_receipt_is_not_genuine(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    anna = filed(portal, hearing_id)
    jws = portal.call(response_receipt, ANNA, hearing_id, anna).receipt
    header, payload, signature = jws.split(".")
    changed = json.loads(b64url_decode(payload))
    changed["receivedAt"] = "2026-05-03T08:00:00.000000Z"  # "it came in a day earlier"
    forged = ".".join([header, b64url(json.dumps(changed, separators=(",", ":")).encode()), signature])

    verdict = portal.call(verify_receipt, VerifyRequest(receipt=forged))
    assert (verdict.genuine, verdict.in_log, verdict.content) == (False, False, "unchecked")


def test_a_receipt_signed_by_another_key_is_not_genuine(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    anna = filed(portal, hearing_id)
    genuine = portal.call(response_receipt, ANNA, hearing_id, anna).receipt
    header, payload, _ = genuine.split(".")
    other = LocalReceiptSigner.generate()
    # Same statement, same kid in the header, signed with a key that is not the portal's.
    forged = f"{header}.{payload}." + b64url(other.sign(other.signing_key(), f"{header}.{payload}".encode()))
    assert portal.call(verify_receipt, VerifyRequest(receipt=forged)).genuine is False
    # And one naming its own key, which the portal never published.
    own = other.signing_key()
    own_header = b64url(json.dumps({"alg": "ES256", "kid": own}, sort_keys=True, separators=(",", ":")).encode())
    signed = f"{own_header}.{payload}." + b64url(other.sign(own, f"{own_header}.{payload}".encode()))
    assert portal.call(verify_receipt, VerifyRequest(receipt=signed)).genuine is False


def test_a_receipt_nested_too_deep_to_parse_is_refused_not_a_server_error(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    genuine = portal.call(response_receipt, ANNA, hearing_id, filed(portal, hearing_id)).receipt
    header, payload, signature = genuine.split(".")
    # Fits the field's 20,000 characters, and nests deeper than a JSON parser recurses.
    deep = b64url(b"[" * 14_000)

    with pytest.raises(InvalidInput) as refused:
        portal.call(verify_receipt, VerifyRequest(receipt=f"{header}.{deep}.{signature}"))
    assert refused.value.problems[0].field == "receipt"
    verdict = portal.call(verify_receipt, VerifyRequest(receipt=f"{deep}.{payload}.{signature}"))
    assert (verdict.genuine, verdict.content) == (False, "unchecked")


@pytest.mark.parametrize(("first", "second", "named"), [(2, 1, "first"), (1, 3, "second"), (0, 0, "second")])
def test_a_consistency_proof_between_sizes_the_log_lacks_names_the_parameter(
    portal: Portal, first: int, second: int, named: str
) -> None:
    hearing_id = portal.active(OWNER)
    filed(portal, hearing_id, ANNA)
    filed(portal, hearing_id, BO)

    with pytest.raises(InvalidInput) as refused:
        portal.call(tree_head_consistency, None, hearing_id, first, second)
    assert refused.value.problems[0].field == named
    assert portal.call(tree_head_consistency, None, hearing_id, 1, 2).second_size == 2


def test_an_audit_path_longer_than_any_log_needs_is_refused_naming_the_field(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    downloaded = portal.call(response_receipt, ANNA, hearing_id, filed(portal, hearing_id)).model_dump(by_alias=True)
    kept = {**downloaded, "inclusionProof": {**downloaded["inclusionProof"], "path": ["ab" * 32] * 65}}

    with pytest.raises(ValidationError) as refused:
        VerifyRequest.model_validate(kept)
    assert [issue["loc"] for issue in refused.value.errors()] == [("inclusionProof", "path")]
    # The whole file as downloaded still verifies.
    assert portal.call(verify_receipt, VerifyRequest.model_validate(downloaded)).genuine


def test_a_response_edited_after_its_receipt_keeps_the_version_the_receipt_names(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    anna = filed(portal, hearing_id, text="Første udgave.")
    first = portal.call(response_receipt, ANNA, hearing_id, anna).receipt
    portal.clock.advance(minutes=5)
    portal.call(revise_response, ANNA, hearing_id, anna, say("Anden udgave."))
    portal.call(screen_response, hearing_id, anna)

    verdict = portal.call(verify_receipt, VerifyRequest(receipt=first))
    assert (verdict.genuine, verdict.in_log, verdict.content) == (True, True, "matches")
    assert verdict.latest_version == 2  # edited since: the receipt is of version 1, which is kept
    second = portal.call(response_receipt, ANNA, hearing_id, anna)
    assert receipt_payload_of(second.receipt).version == 2
    assert receipt_payload_of(second.receipt).number == 1  # an edit keeps the number
    history = portal.call(response_versions, ANNA, hearing_id, anna)
    assert [(v.version, v.text) for v in history.versions] == [(1, "Første udgave."), (2, "Anden udgave.")]


def test_a_response_changed_behind_its_receipt_differs(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    anna = filed(portal, hearing_id, text="Det oprindelige svar.")
    receipt = portal.call(response_receipt, ANNA, hearing_id, anna).receipt
    repository = ResponseRepository(portal.store)
    loaded = repository.require(hearing_id, anna)
    loaded.model.text = "Et andet svar."  # written straight into the store, past every rule
    repository.save(loaded)

    verdict = portal.call(verify_receipt, VerifyRequest(receipt=receipt))
    assert (verdict.genuine, verdict.in_log, verdict.content) == (True, True, "differs")


def test_a_redaction_is_shown_as_a_redaction_not_a_mismatch(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    anna = filed(portal, hearing_id, text="Mit CPR-nummer er 010190-1234.")
    receipt = portal.call(response_receipt, ANNA, hearing_id, anna).receipt
    portal.call(decide_response, OWNER, hearing_id, anna, True, Decision(clear_flags=True))

    verdict = portal.call(verify_receipt, VerifyRequest(receipt=receipt))
    assert (verdict.content, verdict.redacted) == ("matches", True)


def test_a_withdrawn_response_keeps_its_number_and_its_receipts(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    anna = filed(portal, hearing_id)
    receipt = portal.call(response_receipt, ANNA, hearing_id, anna).receipt
    portal.call(withdraw_response, ANNA, hearing_id, anna)
    bo = filed(portal, hearing_id, BO)

    assert portal.stored_response(hearing_id, anna).number == 1
    assert portal.stored_response(hearing_id, bo).number == 2
    verdict = portal.call(verify_receipt, VerifyRequest(receipt=receipt))
    assert (verdict.content, verdict.withdrawn) == ("matches", True)


def test_only_the_respondent_and_the_owner_get_a_receipt_file(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    anna = filed(portal, hearing_id)
    assert portal.call(response_receipt, OWNER, hearing_id, anna).receipt
    with pytest.raises(NotFound):
        portal.call(response_receipt, BO, hearing_id, anna)


def test_what_was_filed_in_my_name_spans_hearings_and_states(portal: Portal) -> None:
    first, second = portal.active(OWNER), portal.active(OWNER)
    in_first = filed(portal, first)
    in_second = filed(portal, second)
    portal.call(withdraw_response, ANNA, second, in_second)
    filed(portal, first, BO)

    mine = portal.call(my_responses, ANNA)
    assert {(item.hearing_id, item.id, item.status.value) for item in mine.items} == {
        (first, in_first, "awaiting_review"),
        (second, in_second, "withdrawn"),
    }


def test_a_hearing_type_may_take_more_responses_per_respondent_up_to_its_limit(portal: Portal) -> None:
    ReferenceRepository(portal.store).put(HearingTemplate(id="idéer", name="Idéindsamling", responses_per_respondent=2))
    hearing_id = portal.active(OWNER, template_id="idéer")
    one, created = portal.call(submit_response, ANNA, hearing_id, say("Første idé."))
    two, _ = portal.call(submit_response, ANNA, hearing_id, say("Anden idé."), idempotency_key="k-2")
    again, _ = portal.call(submit_response, ANNA, hearing_id, say("Anden idé."), idempotency_key="k-2")

    assert created and one.response_id != two.response_id
    assert again.response_id == two.response_id  # the key names the response: a retry finds it
    with pytest.raises(Conflict):
        portal.call(submit_response, ANNA, hearing_id, say("Tredje idé."))
    standard = portal.active(OWNER, template_id=TEMPLATE_ID)
    portal.call(submit_response, ANNA, standard, say("Et svar."))
    with pytest.raises(Conflict):  # the standard type takes one per respondent
        portal.call(submit_response, ANNA, standard, say("Et andet svar."), idempotency_key="k-3")
