"""The rules that decide whether two responses are copies of one campaign letter."""

from __future__ import annotations

import pytest

from shared.domain.campaigns import (
    BANDS,
    Signature,
    group_id_for,
    likeness,
    normalise,
    own_additions,
    shingles,
    text_digest,
)

LETTER = (
    "Cykelstien på Amagerbrogade skal bevares i sin nuværende bredde, fordi mange børn cykler til skole ad "
    "den. Forslaget om færre parkeringspladser gør det sværere at handle lokalt, og butikkerne lever af "
    "kunder udefra. Vi beder kommunen om at lytte til dem, der bor her, og ændre planen, før den vedtages. "
    "Træerne langs vejen skal blive stående, da de giver skygge og ro."
)
OTHER_ON_THE_SAME_TOPIC = (
    "Jeg synes cykelstien på Amagerbrogade er for smal, og at parkeringspladserne bør flyttes til "
    "sidegaderne. Kommunen bør lave en bedre plan for varelevering, så lastbilerne ikke holder på "
    "cykelstien om morgenen. Træerne er fine, men belysningen er for dårlig om aftenen."
)


def signature(text: str) -> Signature:
    found = Signature.of_text(text)
    assert found is not None
    return found


def test_case_whitespace_punctuation_and_unicode_forms_do_not_count() -> None:
    assert normalise("  Cykelstien,   SKAL\n\nbevares!!! ") == "cykelstien skal bevares"
    # NFKC: a ligature and full-width letters are the letters they show.
    assert normalise("ﬁne ｃｙｋｅｌｓｔｉ") == normalise("fine cykelsti")
    assert text_digest(LETTER.upper().replace(",", "")) == text_digest(LETTER)


def test_shingles_are_word_three_grams_and_a_short_text_is_one_shingle() -> None:
    assert shingles(["jeg", "er", "imod", "planen"]) == {"jeg er imod", "er imod planen"}
    assert shingles(["jeg", "er", "imod"]) == {"jeg er imod"}
    assert shingles([]) == set()


def test_the_same_text_has_the_same_signature_and_band_keys_in_every_process() -> None:
    first, second = signature(LETTER), signature(LETTER.lower())

    assert first == second
    assert len(first.band_keys()) == BANDS
    assert len(set(first.band_keys())) == BANDS
    # Fixed here so a change of seed or scheme, which would split every stored campaign, is noticed.
    assert signature("Jeg er imod planen.").band_keys()[0] == "band-00-64ff0155f77729777e4a926073453414"


def test_a_signature_survives_the_store() -> None:
    original = signature(LETTER)

    assert Signature.decoded(original.encoded(), original.shingle_count) == original


def test_a_text_without_words_has_no_signature() -> None:
    assert Signature.of_text(" ... !!! ") is None


@pytest.mark.parametrize(
    "copy",
    [
        LETTER,
        LETTER.lower().replace(".", "!"),
        LETTER.replace("bevares", "bevras").replace("skygge", "skyge"),
        "Jeg bor selv på Amagerbrogade og cykler hver dag. " + LETTER,
        LETTER + " Jeg har boet på Amager hele mit liv, og mine børn cykler alene til fritidshjem hver eftermiddag.",
    ],
    ids=["identical", "case-and-punctuation", "typos", "addition-at-start", "addition-at-end"],
)
def test_copies_of_a_letter_are_the_same_campaign(copy: str) -> None:
    assert likeness(signature(LETTER), signature(copy)).same_campaign


def test_another_text_on_the_same_topic_is_not_the_same_campaign() -> None:
    alike = likeness(signature(LETTER), signature(OTHER_ON_THE_SAME_TOPIC))

    assert not alike.same_campaign
    assert alike.jaccard < 0.2


def test_one_sentence_quoted_from_a_letter_is_not_a_copy_of_it() -> None:
    quote = "Træerne langs vejen skal blive stående, da de giver skygge og ro."

    assert not likeness(signature(LETTER), signature(quote)).same_campaign


def test_own_additions_are_cut_from_the_text_as_the_respondent_wrote_it() -> None:
    copy = "Jeg bor selv på Amagerbrogade og cykler hver dag!\n" + LETTER.upper() + " Hilsen Bo."

    assert own_additions(LETTER, copy) == ["Jeg bor selv på Amagerbrogade og cykler hver dag", "Hilsen Bo"]
    assert own_additions(LETTER, LETTER.replace(",", "")) == []


def test_group_ids_are_deterministic_per_founding_version() -> None:
    assert group_id_for("h1", "r1", "d1") == group_id_for("h1", "r1", "d1")
    assert group_id_for("h1", "r1", "d1") != group_id_for("h1", "r1", "d2")
