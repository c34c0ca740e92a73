"""docs/capacity.md is the capacity model's output, and the indexing policy it counts on is safe."""

from __future__ import annotations

from tools import capacity

# Paths the portal's queries on responses filter or sort on (shared/services/repositories.py,
# shared/services/responses.py): leaving one out of the index would make those queries scan or fail.
QUERIED_RESPONSE_PATHS = (
    "/id/?",
    "/hearingId/?",
    "/status/?",
    "/published/?",
    "/receivedAt/?",
    "/updatedAt/?",
    "/respondent/subject/?",
)


def test_the_committed_capacity_document_is_the_models_output() -> None:
    committed = capacity.DOCUMENT.read_text(encoding="utf-8")

    assert committed == capacity.render(), "docs/capacity.md is stale: run make capacity"


def test_the_model_counts_a_real_response_document() -> None:
    sizes = capacity.measure_sizes(1200)

    assert sizes.intake_bytes > 1200  # the text and everything around it
    assert "/text/?" in sizes.response_paths
    assert "/respondent/subject/?" in sizes.response_paths


def test_no_queried_path_is_left_out_of_the_responses_index() -> None:
    excluded = capacity.excluded_paths("responses")

    assert "/text/?" in excluded
    for path in QUERIED_RESPONSE_PATHS:
        assert not capacity.is_excluded(path, excluded), f"{path} is queried but not indexed"


def test_excluding_a_subtree_covers_everything_under_it() -> None:
    assert capacity.is_excluded("/flags/[]/kind/?", ["/flags/*"])
    assert not capacity.is_excluded("/flagsCount/?", ["/flags/*"])
