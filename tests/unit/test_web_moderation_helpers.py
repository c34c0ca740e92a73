"""The moderation console's text helpers: flags cut out of the text to be marked, and a passage found to redact."""

from __future__ import annotations

from functions.webui.highlight import Piece, occurrences, pieces
from shared.domain.screening.flags import Flag, FlagKind

TEXT = "Mit CPR er 010190-1234 og min mail er anna@example.dk"


def _flag(kind: FlagKind, passage: str, excerpt: str) -> Flag:
    start = TEXT.index(passage)
    return Flag.found(kind, start, start + len(passage), excerpt)


def test_each_flag_is_its_own_piece_and_a_cpr_number_shows_only_its_masked_excerpt() -> None:
    cpr = _flag(FlagKind.CPR, "010190-1234", "010190-****")
    email = _flag(FlagKind.EMAIL, "anna@example.dk", "a***@example.dk")
    found = pieces(TEXT, [email, cpr])
    assert found == [
        Piece("Mit CPR er "),
        Piece("010190-****", cpr),
        Piece(" og min mail er "),
        Piece("anna@example.dk", email),
    ]
    assert "1234" not in "".join(piece.text for piece in found)


def test_a_flag_overlapping_another_is_marked_once_and_one_without_position_marks_the_whole_text() -> None:
    email = _flag(FlagKind.EMAIL, "anna@example.dk", "a***@example.dk")
    name = _flag(FlagKind.NAME, "anna", "a.")
    assert [piece.flag for piece in pieces(TEXT, [email, name]) if piece.flag] == [email]
    old = Flag(id="email-stored-1", kind=FlagKind.EMAIL, end=None, excerpt="a***@example.dk")
    assert pieces(TEXT, [old]) == [Piece(TEXT, old)]


def test_a_passage_is_found_every_time_it_stands_in_the_text() -> None:
    assert occurrences("Jens og Jens", "Jens") == [(0, 4), (8, 12)]
    assert occurrences("Jens", "Hans") == []
    assert occurrences("Jens", "") == []
