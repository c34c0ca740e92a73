"""Posted forms as the pages read them: a receipt file chosen in a multipart form arrives as its text, and a
refused response says what to do at its field."""

from __future__ import annotations

import azure.functions as func
import pytest

from functions.web import _compact_receipt
from functions.webui.forms import errors_from
from functions.webui.pages import Visit
from functions.webui.session import Session
from functions.webui.visits import form_of
from shared.domain.errors import InvalidInput
from shared.domain.reference import TermsText
from shared.services.responses import ResponseSubmission, submit_response
from shared.services.terms import publish_terms
from tests.fakes import Portal, admin, caseworker, citizen

BOUNDARY = "----portalboundary"


def _multipart(*parts: tuple[str, str, str | None]) -> func.HttpRequest:
    chunks = []
    for name, value, filename in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        kind = "Content-Type: application/json\r\n" if filename else ""
        chunks.append(f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{kind}\r\n{value}\r\n")
    body = ("".join(chunks) + f"--{BOUNDARY}--\r\n").encode()
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    return func.HttpRequest("POST", "http://localhost/kvittering/tjek", headers=headers, body=body)


def test_a_multipart_form_gives_its_fields_and_the_chosen_file_as_text() -> None:
    receipt = '{"receipt": "aGVhZA.Ym9keQ.c2ln", "treeHead": "x"}'
    form = form_of(_multipart(("csrf", "token-1", None), ("receipt", "", None), ("file", receipt, "kvittering.json")))
    assert form == {"csrf": "token-1", "receipt": "", "file": receipt}


def test_an_ordinary_form_is_still_read() -> None:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    req = func.HttpRequest("POST", "http://localhost/x", headers=headers, body=b"csrf=a&text=Hej+med+dig")
    assert form_of(req) == {"csrf": "a", "text": "Hej med dig"}


def test_the_receipt_is_taken_from_the_file_or_from_the_pasted_receipt() -> None:
    assert _compact_receipt('{"receipt": "a.b.c", "inclusionProof": {}}') == "a.b.c"
    assert _compact_receipt("a.b\n.c ") == "a.b.c"  # line breaks from copying are not part of it
    assert _compact_receipt("{not json") == ""
    assert _compact_receipt('{"receipt": 5}') == ""


@pytest.mark.parametrize(
    ("language", "wanted"),
    [
        ("da", "Sæt kryds ved “Jeg accepterer vilkårene for høringssvar” for at sende dit høringssvar."),
        ("en", "Tick “I accept the terms for responses” to send your response."),
    ],
)
def test_a_response_without_the_terms_accepted_asks_for_them_at_the_checkbox(language: str, wanted: str) -> None:
    portal = Portal.start()
    portal.call(publish_terms, admin(), TermsText(version=1, text="Dit svar offentliggøres uden CPR-nummer."))
    hearing_id = portal.active(caseworker())
    with pytest.raises(InvalidInput) as refused:
        portal.call(submit_response, citizen(), hearing_id, ResponseSubmission(text="Ja tak."))

    errors = errors_from(refused.value, Visit(language, f"/hoeringer/{hearing_id}", {}, Session()))
    assert errors.of("acceptedTerms") == [wanted]
