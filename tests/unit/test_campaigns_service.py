"""Grouping responses into campaigns as they arrive, through the embedded document store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.ports.documents import Document, DocumentStore, Page, PartitionKey, Query, Stored
from shared.services.campaigns import group_response, list_groups, split_member

HEARING = "h-amagerbrogade"
LETTER = (
    "Cykelstien på Amagerbrogade skal bevares i sin nuværende bredde, fordi mange børn cykler til skole ad "
    "den. Forslaget om færre parkeringspladser gør det sværere at handle lokalt, og butikkerne lever af "
    "kunder udefra. Vi beder kommunen om at lytte til dem, der bor her, og ændre planen, før den vedtages. "
    "Træerne langs vejen skal blive stående, da de giver skygge og ro."
)
SECOND_LETTER = (
    "Vi støtter busbanen mod Christianshavn, fordi den gør det lettere at komme frem i myldretiden. "
    "Hastighedsgrænsen på 40 km/t bør gælde hele strækningen, og krydset ved Lergravsvej skal bygges om, "
    "så børn kan krydse vejen sikkert. Tak for en grundig høring, vi håber politikerne lytter."
)
OWN_TEXT = (
    "Jeg synes cykelstien er for smal, og at parkeringspladserne bør flyttes til sidegaderne. Kommunen bør "
    "lave en bedre plan for varelevering, så lastbilerne ikke holder på cykelstien om morgenen."
)
ADDITION = "Jeg bor selv på Amagerbrogade og cykler hver dag."


@pytest.fixture
def store() -> Iterator[SqliteDocumentStore]:
    documents = SqliteDocumentStore(":memory:")
    yield documents
    documents.close()


def group(store: DocumentStore, response_id: str, text: str) -> str | None:
    assignment = group_response(HEARING, response_id, text, documents=store)
    return None if assignment is None else assignment.group_id


def test_copies_are_shown_as_one_group_with_each_members_own_addition(store: SqliteDocumentStore) -> None:
    group(store, "r1", LETTER)
    group(store, "r2", LETTER.lower())
    group(store, "r3", f"{ADDITION}\n\n{LETTER}")
    group(store, "r4", OWN_TEXT)

    [campaign] = list_groups(HEARING, documents=store)

    assert campaign.template_text == LETTER
    assert campaign.template_response_id == "r1"
    assert campaign.member_count == 3
    assert {m.response_id: m.own_additions for m in campaign.members} == {
        "r1": [],
        "r2": [],
        "r3": ["Jeg bor selv på Amagerbrogade og cykler hver dag"],
    }


def test_two_campaigns_are_two_groups_largest_first(store: SqliteDocumentStore) -> None:
    for number in range(3):
        group(store, f"a{number}", LETTER)
    for number in range(2):
        group(store, f"b{number}", SECOND_LETTER + " " * number)

    groups = list_groups(HEARING, documents=store)

    assert [(g.template_response_id, g.member_count) for g in groups] == [("a0", 3), ("b0", 2)]


def test_a_response_of_its_own_is_in_no_campaign(store: SqliteDocumentStore) -> None:
    group(store, "r1", LETTER)
    group(store, "r2", OWN_TEXT)

    assert list_groups(HEARING, documents=store) == []


def test_a_redelivered_message_assigns_the_same_group_once(store: SqliteDocumentStore) -> None:
    group(store, "r1", LETTER)
    first = group_response(HEARING, "r2", LETTER, documents=store)
    again = group_response(HEARING, "r2", LETTER, documents=store)

    assert first == again
    assert [g.member_count for g in list_groups(HEARING, documents=store)] == [2]


def test_a_revised_response_moves_to_the_group_of_its_new_text(store: SqliteDocumentStore) -> None:
    for response_id in ("a1", "a2"):
        group(store, response_id, LETTER)
    for response_id in ("b1", "b2"):
        group(store, response_id, SECOND_LETTER)

    group(store, "a2", SECOND_LETTER)

    counts = {g.template_response_id: g.member_count for g in list_groups(HEARING, documents=store)}
    assert counts == {"b1": 3}


def test_a_member_taken_out_stays_out_when_screened_again(store: SqliteDocumentStore) -> None:
    group_id = group(store, "r1", LETTER)
    assert group_id is not None
    for response_id in ("r2", "r3"):
        group(store, response_id, LETTER)

    split_member(HEARING, group_id, "r2", documents=store)
    again = group_response(HEARING, "r2", LETTER, documents=store)

    assert again is None
    [campaign] = list_groups(HEARING, documents=store)
    assert [m.response_id for m in campaign.members] == ["r1", "r3"]
    split_member(HEARING, group_id, "r2", documents=store)  # taking it out twice changes nothing


def test_the_template_response_cannot_be_taken_out(store: SqliteDocumentStore) -> None:
    group_id = group(store, "r1", LETTER)
    group(store, "r2", LETTER)
    assert group_id is not None

    with pytest.raises(Conflict) as raised:
        split_member(HEARING, group_id, "r1", documents=store)

    assert raised.value.problems[0].field == "responseId"


def test_splitting_names_the_field_that_is_wrong(store: SqliteDocumentStore) -> None:
    group_id = group(store, "r1", LETTER)
    group(store, "r2", LETTER)
    other = group(store, "x1", OWN_TEXT)
    assert group_id is not None and other is not None

    with pytest.raises(NotFound) as no_group:
        split_member(HEARING, "g-nope", "r2", documents=store)
    with pytest.raises(NotFound) as not_a_member:
        split_member(HEARING, other, "r2", documents=store)
    with pytest.raises(InvalidInput) as empty:
        group_response(HEARING, " ", LETTER, documents=store)

    assert no_group.value.problems[0].field == "groupId"
    assert not_a_member.value.problems[0].field == "responseId"
    assert empty.value.problems[0].field == "responseId"


def test_a_text_without_words_is_not_grouped(store: SqliteDocumentStore) -> None:
    assert group_response(HEARING, "r1", "...", documents=store) is None


def test_campaigns_of_different_hearings_stay_apart(store: SqliteDocumentStore) -> None:
    group_response("h-1", "r1", LETTER, documents=store)
    group_response("h-2", "r2", LETTER, documents=store)

    assert list_groups("h-1", documents=store) == []


class RaceOnFounding:
    """A store that lets another instance group a copy just after this one decided to found a group."""

    def __init__(self, inner: DocumentStore, meanwhile: Callable[[], object]) -> None:
        self.inner = inner
        self.meanwhile: Callable[[], object] | None = meanwhile

    def create(self, container: str, partition: PartitionKey, body: Document) -> str:
        if body.get("kind") == "group" and self.meanwhile is not None:
            run, self.meanwhile = self.meanwhile, None
            run()
        return self.inner.create(container, partition, body)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    # Explicit for the type checker; each one forwards.
    def read(self, container: str, partition: PartitionKey, doc_id: str) -> Stored | None:
        return self.inner.read(container, partition, doc_id)

    def query(self, container: str, query: Query) -> Page:
        return self.inner.query(container, query)


def test_two_copies_founding_at_the_same_time_end_up_in_one_group(store: SqliteDocumentStore) -> None:
    racing = RaceOnFounding(store, lambda: group(store, "first", LETTER))

    second = group_response(HEARING, "second", LETTER + " Hilsen Bo.", documents=racing)  # type: ignore[arg-type]

    [campaign] = list_groups(HEARING, documents=store)
    assert campaign.template_response_id == "first"
    assert second is not None and second.group_id == campaign.id and not second.founded
    assert {m.response_id: m.own_additions for m in campaign.members} == {"first": [], "second": ["Hilsen Bo"]}
    # A later copy joins the group that won.
    assert group(store, "third", LETTER) == campaign.id
