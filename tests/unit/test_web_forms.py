"""Posted forms as the pages read them: a receipt file chosen in a multipart form arrives as its text."""

from __future__ import annotations

import azure.functions as func

from functions.web import _compact_receipt
from functions.webui.visits import form_of

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
