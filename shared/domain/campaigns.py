"""Campaign responses: identical and near-identical texts grouped openly as "n × this text".

A campaign letter copied by thousands of people differs from copy to copy only in whitespace,
punctuation, case, a typo or a personal sentence added at the start or the end. The rules here
turn a text into a MinHash signature of its word shingles (datasketch), cut the signature into
LSH bands whose keys the service keeps in the document store, and decide whether two signatures
belong to the same campaign. Nothing is counted away: a member keeps its own text, and what it
adds to the group's template is computed with difflib and shown beside the template.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from pydantic import Field

from shared.domain.base import PortalModel

if TYPE_CHECKING:  # datasketch imports numpy and scipy (~0.4 s): loaded on first use, not at start-up
    from datasketch import MinHash

# Word 3-grams: a typo changes at most three shingles, while two different texts on the same
# topic rarely share three words in a row.
SHINGLE_WORDS = 3
NUM_PERM = 128
# 32 bands of 4 rows: two texts with Jaccard similarity 0.3 share a band with probability 0.23,
# 0.5 with 0.87, 0.7 with 0.9999; candidates are then checked on the whole signature.
BANDS = 32
ROWS = NUM_PERM // BANDS
_SEED = 1  # fixed: every process and every instance must compute the same signature for a text
_SCHEME = "affine32"

# Two texts belong together when most of the shorter one is in the longer one (a personal
# addition only lengthens one side) and they still share a fair part of their union (a short
# text quoting one sentence of a long letter is not a copy of it). On the generated hearing in
# bench/campaign_corpus.py copies of one letter had Jaccard >= 0.46 and containment >= 0.64;
# different texts on the same topic stayed below Jaccard 0.34.
MIN_CONTAINMENT = 0.6
MIN_JACCARD = 0.4

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Token:
    """A word as normalised for comparison, and where it stands in the original text."""

    word: str
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    """Words after Unicode NFKC and case folding; punctuation and whitespace only separate them.

    Positions refer to the NFKC form of the text, which is what additions are cut from.
    """
    nfkc = unicodedata.normalize("NFKC", text)
    return [Token(m.group(0).casefold(), m.start(), m.end()) for m in _WORD.finditer(nfkc)]


def normalise(text: str) -> str:
    """The text as grouping sees it: case, whitespace, punctuation and Unicode forms do not count."""
    return " ".join(token.word for token in tokens(text))


def text_digest(text: str) -> str:
    """Stable digest of the normalised text: the same letter with other punctuation has the same digest."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def shingles(words: list[str]) -> set[str]:
    """Word n-grams; a text shorter than n words is one shingle of all its words."""
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


@cache
def _blank() -> MinHash:
    """One MinHash whose permutations are reused: generating them costs more than hashing a text."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME)


@dataclass(frozen=True)
class Signature:
    """A text's MinHash signature and the size of its shingle set."""

    hashvalues: bytes  # NUM_PERM little-endian uint32 values
    shingle_count: int

    @classmethod
    def of_text(cls, text: str) -> Signature | None:
        """None for a text without a single word: there is nothing to compare."""
        found = shingles([token.word for token in tokens(text)])
        if not found:
            return None
        blank = _blank()
        from datasketch import MinHash

        minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, permutations=blank.permutations, scheme=_SCHEME)
        minhash.update_batch([shingle.encode("utf-8") for shingle in sorted(found)])
        return cls(minhash.hashvalues.astype("<u4").tobytes(), len(found))

    def encoded(self) -> str:
        return base64.b64encode(self.hashvalues).decode("ascii")

    @classmethod
    def decoded(cls, text: str, shingle_count: int) -> Signature:
        return cls(base64.b64decode(text, validate=True), shingle_count)

    def band_keys(self) -> list[str]:
        """One key per LSH band; texts that share a key are candidates for the same group."""
        width = ROWS * 4
        return [
            f"band-{band:02d}-{hashlib.sha256(self.hashvalues[band * width : (band + 1) * width]).hexdigest()[:32]}"
            for band in range(BANDS)
        ]

    def jaccard(self, other: Signature) -> float:
        """The Jaccard similarity of the two shingle sets, as estimated by datasketch."""
        return float(_minhash(self).jaccard(_minhash(other)))


def _minhash(signature: Signature) -> MinHash:
    from datasketch import MinHash

    values = struct.unpack(f"<{NUM_PERM}I", signature.hashvalues)
    return MinHash(seed=_SEED, hashvalues=values, permutations=_blank().permutations, scheme=_SCHEME)


@dataclass(frozen=True)
class Likeness:
    jaccard: float
    containment: float

    @property
    def same_campaign(self) -> bool:
        return self.containment >= MIN_CONTAINMENT and self.jaccard >= MIN_JACCARD


def likeness(a: Signature, b: Signature) -> Likeness:
    """How alike two texts are: the estimated Jaccard similarity, and the estimated share of the
    smaller shingle set that is in the other one (from |A ∩ B| = J / (1 + J) · (|A| + |B|))."""
    jaccard = a.jaccard(b)
    overlap = jaccard / (1 + jaccard) * (a.shingle_count + b.shingle_count)
    return Likeness(jaccard, min(1.0, overlap / min(a.shingle_count, b.shingle_count)))


def own_additions(template: str, text: str) -> list[str]:
    """The parts of ``text`` that are not in ``template``, as the respondent wrote them.

    Words are compared normalised (so a changed comma or capital letter is no addition); each
    run of words the template does not have is cut from the text with its own punctuation.
    """
    theirs = tokens(text)
    matcher = difflib.SequenceMatcher(
        a=[token.word for token in tokens(template)], b=[token.word for token in theirs], autojunk=False
    )
    nfkc = unicodedata.normalize("NFKC", text)
    additions = []
    for tag, _, _, first, last in matcher.get_opcodes():
        if tag in ("insert", "replace"):
            additions.append(nfkc[theirs[first].start : theirs[last - 1].end])
    return additions


def group_id_for(hearing_id: str, response_id: str, digest: str) -> str:
    """A group is named after the response version that founded it, so a retried founding finds itself."""
    return "g-" + hashlib.sha256(f"{hearing_id}\n{response_id}\n{digest}".encode()).hexdigest()[:24]


class CampaignMember(PortalModel):
    response_id: str
    # What this member wrote beyond the template; empty for a plain copy. The full text stays
    # in the response itself, unchanged.
    own_additions: list[str] = Field(default_factory=list)


class CampaignGroup(PortalModel):
    id: str
    hearing_id: str
    # The founding response's text, as it arrived: the first member's text is the template,
    # and every later member is compared with it and shows what it adds.
    template_text: str
    template_response_id: str
    member_count: int
    members: list[CampaignMember]


class GroupAssignment(PortalModel):
    hearing_id: str
    response_id: str
    group_id: str
    founded: bool  # True when this response's text is the group's template
    own_additions: list[str] = Field(default_factory=list)
