"""On a generated hearing, campaign copies are grouped together and nothing else is."""

from __future__ import annotations

from bench.campaign_corpus import generate, pairwise_score
from shared.adapters.sqlite_documents import SqliteDocumentStore
from shared.services.campaigns import group_response, list_groups

HEARING = "h-generated"


def test_two_thousand_generated_responses_are_grouped_with_pairwise_precision_and_recall_of_98_percent() -> None:
    responses = generate(2_000, seed=7)
    store = SqliteDocumentStore(":memory:")
    for response in responses:
        group_response(HEARING, response.response_id, response.text, documents=store)

    groups = list_groups(HEARING, documents=store)
    shown = {member.response_id: group.id for group in groups for member in group.members}
    score = pairwise_score(responses, {response.response_id: shown.get(response.response_id) for response in responses})
    store.close()

    assert sum(response.campaign is None for response in responses) >= 0.3 * len(responses)
    assert score.true_pairs > 100_000
    assert score.precision >= 0.98
    assert score.recall >= 0.98
    # Every campaign copy is shown in a group, and every group counts exactly the members it lists.
    assert all(response.response_id in shown for response in responses if response.campaign is not None)
    assert all(group.member_count == len(group.members) for group in groups)


def test_the_generator_is_the_same_on_every_run() -> None:
    assert generate(50, seed=3) == generate(50, seed=3)
    assert generate(50, seed=3) != generate(50, seed=4)
