"""The SBSYS adapter against a records server in its own process, over real HTTP, with faults."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.adapters.sbsys_records import SbsysConfig, SbsysError, SbsysRecords, document_marker
from shared.ports.records import CaseRequest, RecordDocument, RecordStep
from tests.records_server.fixture import CLIENT_ID, CLIENT_SECRET, OWNER, TEMPLATE, RecordsServer, running_server

HEARING = "h-oerestad"
CLIENT_TIMEOUT = 1.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RecordsServer]:
    yield from running_server(tmp_path / "records-server")


def adapter(server: RecordsServer, sleeps: list[float] | None = None, **overrides: object) -> SbsysRecords:
    settings: dict[str, object] = {
        "base_url": server.url + "/api/",
        "token_url": server.url + "/token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "templates": {"01": TEMPLATE, "01.02.03": 102},
        "timeout_seconds": CLIENT_TIMEOUT,
        "backoff_seconds": 0.01,
        "max_backoff_seconds": 2.0,
        **overrides,
    }
    recorded = sleeps if sleeps is not None else []

    def sleep(seconds: float) -> None:
        recorded.append(seconds)

    return SbsysRecords(SbsysConfig(**settings), sleep=sleep)  # type: ignore[arg-type]


def documents() -> list[RecordDocument]:
    return [
        RecordDocument("hearing-text", "Høringstekst: Ørestad", "hoeringstekst.pdf", "application/pdf", b"%PDF text"),
        RecordDocument(
            "response-1", "Høringssvar nr. 1", "hoeringssvar-1.pdf", "application/pdf", b"%PDF r1", RecordStep.RESPONSE
        ),
        RecordDocument(
            "response-1-attachment-a", "Bilag", "kort.png", "image/png", b"\x89PNG", RecordStep.RESPONSE, "response-1"
        ),
        RecordDocument(
            "conclusion", "Konklusion", "konklusion.pdf", "application/pdf", b"%PDF c", RecordStep.CONCLUSION
        ),
    ]


def new_case(records: SbsysRecords, kle: str | None = "01.05") -> str:
    return records.ensure_case(CaseRequest(hearing_id=HEARING, title="Lokalplan for Ørestad", kle=kle, owner=OWNER))


def filed_keys(server: RecordsServer) -> Counter[str]:
    keys: Counter[str] = Counter()
    for document in server.state()["documents"]:
        for key in ("hearing-text", "response-1", "response-1-attachment-a", "conclusion", "manifest"):
            if document_marker(HEARING, key) in document["Beskrivelse"]:
                keys[key] += 1
    return keys


def assert_each_filed_once_and_linked(server: RecordsServer) -> None:
    state = server.state()
    assert filed_keys(server) == Counter(
        {"hearing-text": 1, "response-1": 1, "response-1-attachment-a": 1, "conclusion": 1}
    )
    steps = {step["ID"]: step["Titel"] for step in state["steps"]}
    linked = {document_id: steps[step_id] for step_id, document_id in state["links"]}
    by_key = {doc["Beskrivelse"].rsplit("/", 1)[-1].rstrip("]"): doc["Id"] for doc in state["documents"]}
    assert linked[by_key["hearing-text"]] == "Høringstekst"
    assert linked[by_key["response-1"]] == linked[by_key["response-1-attachment-a"]] == "Høringssvar"
    assert linked[by_key["conclusion"]] == "Konklusion"


def test_a_case_is_opened_from_the_template_of_the_kle_number_once(server: RecordsServer) -> None:
    records = adapter(server)

    first = new_case(records, kle="01.02.03")
    again = new_case(adapter(server), kle="01.02.03")  # another instance, a fresh token

    [case] = server.state()["cases"]
    assert first == again == case["Nummer"]
    assert case["SkabelonId"] == 102  # the most specific mapping wins
    assert case["SagsTitel"].startswith("Lokalplan for Ørestad")


def test_documents_are_filed_with_their_content_and_linked_to_their_step(server: RecordsServer) -> None:
    records = adapter(server)
    case = new_case(records)

    filed = [records.file_document(case, HEARING, document) for document in documents()]
    again = [records.file_document(case, HEARING, document) for document in documents()]

    assert filed == again
    assert_each_filed_once_and_linked(server)
    stored = {doc["DokumentNavn"]: doc for doc in server.state()["documents"]}
    assert stored["kort.png"]["ContentType"] == "image/png"
    assert (server.state_dir / "files" / str(stored["hoeringstekst.pdf"]["Id"])).read_bytes() == b"%PDF text"


def test_the_manifest_is_filed_and_read_back(server: RecordsServer) -> None:
    records = adapter(server)
    case = new_case(records)
    assert records.read_manifest(case, HEARING) is None

    reference = records.write_manifest(case, HEARING, {"hearingId": HEARING, "title": "Lokalplan for Ørestad"})

    assert reference.startswith(f"sbsys:{case}/dokument/")
    assert records.read_manifest(case, HEARING) == {"hearingId": HEARING, "title": "Lokalplan for Ørestad"}


def test_closing_the_case_sets_its_closed_status(server: RecordsServer) -> None:
    records = adapter(server)
    case = new_case(records)

    records.close_case(case, HEARING)
    records.close_case(case, HEARING)

    [stored] = server.state()["cases"]
    assert stored["SagsStatus"]["Navn"] == "Afsluttet"


STEPS = [
    ("POST", "/token"),
    ("POST", "/api/sag/search"),
    ("GET", "/api/sag/"),  # the case's documents
    ("POST", "/api/dokument/journaliser"),
    ("GET", "/api/delforloeb/sag/"),
    ("POST", "/api/delforloeb/"),  # the link
]
FAULTS = ["error", "error_after_accept", "drop_after_accept"]


@pytest.mark.parametrize("kind", FAULTS)
@pytest.mark.parametrize(("method", "path"), STEPS)
def test_a_filing_interrupted_at_any_step_files_each_document_exactly_once(
    server: RecordsServer, method: str, path: str, kind: str
) -> None:
    case = new_case(adapter(server))
    server.fail({"method": method, "path": path, "kind": kind, "times": 2})
    records = adapter(server)  # a new instance asks for a token, so the token step is interrupted too

    for document in documents():
        records.file_document(case, HEARING, document)

    assert_each_filed_once_and_linked(server)
    assert server.state()["faults"][0]["times"] == 0  # the fault did happen


def test_an_answer_that_comes_after_the_client_gave_up_files_once(server: RecordsServer) -> None:
    records = adapter(server)
    case = new_case(records)
    server.fail(
        {"method": "POST", "path": "/api/dokument/journaliser", "kind": "timeout", "seconds": CLIENT_TIMEOUT * 2}
    )

    for document in documents():
        records.file_document(case, HEARING, document)

    assert_each_filed_once_and_linked(server)


def test_a_slow_answer_within_the_timeout_is_simply_waited_for(server: RecordsServer) -> None:
    sleeps: list[float] = []
    records = adapter(server, sleeps)
    case = new_case(records)
    server.fail({"method": "POST", "path": "/api/dokument/journaliser", "kind": "slow", "seconds": CLIENT_TIMEOUT / 4})

    for document in documents():
        records.file_document(case, HEARING, document)

    assert_each_filed_once_and_linked(server)
    assert sleeps == []  # no retry was needed


def test_retry_after_is_honoured(server: RecordsServer) -> None:
    sleeps: list[float] = []
    records = adapter(server, sleeps)
    case = new_case(records)
    server.fail({"method": "POST", "path": "/api/dokument/journaliser", "kind": "retry_after", "seconds": 2})

    records.file_document(case, HEARING, documents()[0])

    assert sleeps and sleeps[0] >= 2
    assert filed_keys(server) == Counter({"hearing-text": 1})


def test_a_server_that_keeps_failing_gives_up_with_the_error(server: RecordsServer) -> None:
    sleeps: list[float] = []
    records = adapter(server, sleeps, attempts=3)
    case = new_case(records)
    server.fail({"method": "POST", "path": "/api/dokument/journaliser", "kind": "error", "times": 10})

    with pytest.raises(Exception, match="500"):
        records.file_document(case, HEARING, documents()[0])

    assert len(sleeps) == 2
    assert filed_keys(server) == Counter()


def test_refusals_are_not_retried(server: RecordsServer) -> None:
    sleeps: list[float] = []
    records = adapter(server, sleeps, client_secret="wrong")

    with pytest.raises(SbsysError, match="401"):
        new_case(records)
    assert sleeps == []


def test_a_kle_number_without_a_template_is_refused_before_anything_is_created(server: RecordsServer) -> None:
    with pytest.raises(SbsysError, match="no SBSYS case template"):
        new_case(adapter(server), kle="27.01")
    assert server.state()["cases"] == []


def test_state_survives_a_restart_of_the_server(server: RecordsServer) -> None:
    records = adapter(server)
    case = new_case(records)
    records.file_document(case, HEARING, documents()[0])

    server.stop()
    server.start()

    assert adapter(server).file_document(case, HEARING, documents()[0]).key == "hearing-text"
    assert filed_keys(server) == Counter({"hearing-text": 1})
