"""Campaign grouping as responses arrive, kept in the document store so every instance agrees.

Three kinds of document live in the ``campaigns`` container, one partition each under the hearing:

- ``group-<id>``: a group's template (its founding response's text), signature and shingle count;
  ``mergedInto`` when two founders of one campaign raced and this one lost.
- ``band-<n>-<hash>``: an LSH band key of a signature and the group that claimed it first.
- ``member-<responseId>``: which group a response belongs to and what it adds to the template.

Grouping one response reads its 32 band keys and the few groups they name: the work does not grow
with the number of responses already grouped, so an instance that starts cold on deadline day
loads nothing first. A group's size is the number of its member documents, counted when the
groups are listed, so no single document is rewritten by every arrival and no count can drift.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TypeVar

from pydantic import Field

from shared.domain.base import PortalModel
from shared.domain.campaigns import (
    CampaignGroup,
    CampaignMember,
    GroupAssignment,
    Signature,
    group_id_for,
    likeness,
    own_additions,
    text_digest,
)
from shared.domain.errors import Conflict, InvalidInput, NotFound
from shared.ports.documents import DocumentExists, DocumentNotFound, DocumentStore, Filter, Query, StaleDocument, Stored

CONTAINER = "campaigns"
_ATTEMPTS = 8  # ETag-checked writes retried this often before the conflict is reported


R = TypeVar("R", "_GroupRecord", "_MemberRecord")


class _GroupRecord(PortalModel):
    id: str
    hearing_id: str
    kind: str = "group"
    group_id: str
    template_text: str
    template_response_id: str
    signature: str
    shingle_count: int
    merged_into: str | None = None

    def signature_of(self) -> Signature:
        return Signature.decoded(self.signature, self.shingle_count)


class _MemberRecord(PortalModel):
    id: str
    hearing_id: str
    kind: str = "member"
    response_id: str
    group_id: str | None
    digest: str
    founded: bool = False
    own_additions: list[str] = Field(default_factory=list)
    # A caseworker took it out: it stays out, also when it is screened again or revised.
    split: bool = False


def group_response(hearing_id: str, response_id: str, text: str, *, documents: DocumentStore) -> GroupAssignment | None:
    """Put a response into the campaign group its text belongs to, founding one if none fits.

    Idempotent: a redelivered message finds the membership it wrote and returns it unchanged; a
    revised text moves the response to the group of its new text. None when the response was
    split out by a caseworker or its text has no words.
    """
    _require(hearing_id, "hearingId")
    _require(response_id, "responseId")
    for _ in range(_ATTEMPTS):
        try:
            return _group_once(hearing_id, response_id, text, documents)
        except (DocumentExists, StaleDocument, DocumentNotFound):
            continue  # the same response was grouped concurrently: look again at what is stored now
    raise Conflict("the response is being grouped elsewhere; try again", field="responseId")


def campaign_of(hearing_id: str, response_id: str, text: str, *, documents: DocumentStore) -> str | None:
    """The id of the group ``group_response`` puts the response in, stored on the response."""
    assignment = group_response(hearing_id, response_id, text, documents=documents)
    return None if assignment is None else assignment.group_id


def list_groups(hearing_id: str, *, documents: DocumentStore) -> list[CampaignGroup]:
    """The hearing's campaigns, largest first: template text, count and every member's own additions.

    Only groups with at least two members are campaigns; every response is counted once.
    """
    _require(hearing_id, "hearingId")
    groups, members = _campaigns(documents, hearing_id)
    result = []
    for root_id, joined in members.items():
        group = groups[root_id]
        ordered = sorted(joined, key=lambda m: (m.response_id != group.template_response_id, m.response_id))
        result.append(
            CampaignGroup(
                id=group.group_id,
                hearing_id=hearing_id,
                template_text=group.template_text,
                template_response_id=group.template_response_id,
                member_count=len(ordered),
                members=[_member_view(member) for member in ordered],
            )
        )
    result.sort(key=lambda g: (-g.member_count, g.id))
    return result


def campaign_memberships(hearing_id: str, *, documents: DocumentStore) -> dict[str, str]:
    """Response id to the id of its campaign, for the responses in a campaign as ``list_groups`` counts them.

    A response alone in its group (every response has a group from its first screening) is in no campaign,
    and one whose group was merged into another is in that other group's campaign.
    """
    _require(hearing_id, "hearingId")
    groups, members = _campaigns(documents, hearing_id)
    return {member.response_id: groups[root_id].group_id for root_id, joined in members.items() for member in joined}


def _campaigns(
    documents: DocumentStore, hearing_id: str
) -> tuple[dict[str, _GroupRecord], dict[str, list[_MemberRecord]]]:
    """The group records by document id, and the members of each root group that has at least two."""
    groups = {record.id: record for record in _each(documents, hearing_id, "group", _GroupRecord)}
    members: dict[str, list[_MemberRecord]] = defaultdict(list)
    for member in _each(documents, hearing_id, "member", _MemberRecord):
        if member.split or member.group_id is None:
            continue
        root = _root_in(groups, _doc_id("group", member.group_id))
        if root is not None:
            members[root].append(member)
    return groups, {root_id: joined for root_id, joined in members.items() if len(joined) >= 2}


def split_member(hearing_id: str, group_id: str, response_id: str, *, documents: DocumentStore) -> None:
    """A caseworker takes a response out of a group; it stays out when it is screened again."""
    _require(hearing_id, "hearingId")
    _require(group_id, "groupId")
    _require(response_id, "responseId")
    group = _read(documents, hearing_id, _doc_id("group", group_id), _GroupRecord)
    if group is None:
        raise NotFound("no such campaign group in this hearing", field="groupId")
    root = _root(documents, hearing_id, group[1])
    for _ in range(_ATTEMPTS):
        loaded = _read(documents, hearing_id, _doc_id("member", response_id), _MemberRecord)
        if loaded is None:
            raise NotFound("the response is not a member of this group", field="responseId")
        etag, member = loaded
        if member.split:
            return
        if member.group_id is None or _root_of(documents, hearing_id, member.group_id).id != root.id:
            raise NotFound("the response is not a member of this group", field="responseId")
        if member.response_id == root.template_response_id:
            raise Conflict("the response whose text is the group's template cannot be taken out", field="responseId")
        member.split, member.group_id, member.own_additions = True, None, []
        try:
            documents.replace(CONTAINER, (hearing_id, member.id), member.to_document(), etag)
            return
        except StaleDocument:
            continue
    raise Conflict("the membership is being changed elsewhere; try again", field="responseId")


# -- grouping ------------------------------------------------------------------------------------


def _group_once(hearing_id: str, response_id: str, text: str, documents: DocumentStore) -> GroupAssignment | None:
    digest = text_digest(text)
    existing = _read(documents, hearing_id, _doc_id("member", response_id), _MemberRecord)
    if existing is not None:
        member = existing[1]
        if member.split:
            return None
        if member.digest == digest and member.group_id is not None:
            return _assignment(member)
    signature = Signature.of_text(text)
    if signature is None:
        if existing is not None:
            documents.delete(CONTAINER, (hearing_id, existing[1].id), existing[1].id)
        return None

    keys = signature.band_keys()
    owners = {key: _band_owner(documents, hearing_id, key) for key in keys}
    group = _best_candidate(documents, hearing_id, signature, {owner for owner in owners.values() if owner})
    if group is None:
        group = _found(documents, hearing_id, response_id, text, digest, signature, keys, owners)
    # Also true when a retried delivery finds the group its first delivery founded.
    founded = group.group_id == group_id_for(hearing_id, response_id, digest)
    # Claim the band keys nobody holds yet for the group this response joined: a later copy
    # closer to this one than to the template still finds the group.
    for key in keys:
        if owners[key] is None:
            _claim(documents, hearing_id, key, group.group_id)

    member = _MemberRecord(
        id=_doc_id("member", response_id),
        hearing_id=hearing_id,
        response_id=response_id,
        group_id=group.group_id,
        digest=digest,
        founded=founded,
        own_additions=[] if founded else own_additions(group.template_text, text),
    )
    if existing is None:
        documents.create(CONTAINER, (hearing_id, member.id), member.to_document())
    else:
        documents.replace(CONTAINER, (hearing_id, member.id), member.to_document(), existing[0])
    return _assignment(member)


def _found(
    documents: DocumentStore,
    hearing_id: str,
    response_id: str,
    text: str,
    digest: str,
    signature: Signature,
    keys: list[str],
    owners: dict[str, str | None],
) -> _GroupRecord:
    """Found a group with this text as template, unless a concurrent founder of the same campaign
    claims a band key first: then this group is marked as merged into that one, which it joins.

    Keys are claimed in band order and the first lost key decides, so two founders can never each
    lose to the other at once.
    """
    group_id = group_id_for(hearing_id, response_id, digest)
    record = _GroupRecord(
        id=_doc_id("group", group_id),
        hearing_id=hearing_id,
        group_id=group_id,
        template_text=text,
        template_response_id=response_id,
        signature=signature.encoded(),
        shingle_count=signature.shingle_count,
    )
    try:
        documents.create(CONTAINER, (hearing_id, record.id), record.to_document())
    except DocumentExists:
        pass  # a previous delivery of this response founded it before stopping
    for key in keys:
        if owners[key] is not None:
            continue  # held by a group this text was already found not to belong to
        owner = _claim(documents, hearing_id, key, group_id)
        owners[key] = owner
        if owner == group_id:
            continue
        winner = _root_of(documents, hearing_id, owner)
        if winner.group_id == group_id or not likeness(signature, winner.signature_of()).same_campaign:
            continue
        return _merge(documents, hearing_id, record.id, winner)
    return _root_of(documents, hearing_id, group_id)


def _merge(documents: DocumentStore, hearing_id: str, loser_id: str, winner: _GroupRecord) -> _GroupRecord:
    for _ in range(_ATTEMPTS):
        loaded = _read(documents, hearing_id, loser_id, _GroupRecord)
        assert loaded is not None  # created by the caller; groups are never deleted
        etag, loser = loaded
        if loser.merged_into is not None:
            return _root(documents, hearing_id, loser)
        loser.merged_into = winner.group_id
        try:
            documents.replace(CONTAINER, (hearing_id, loser_id), loser.to_document(), etag)
            return _root(documents, hearing_id, winner)
        except StaleDocument:
            continue
    raise Conflict("the campaign group is being changed elsewhere; try again", field="responseId")


def _best_candidate(
    documents: DocumentStore, hearing_id: str, signature: Signature, group_ids: set[str]
) -> _GroupRecord | None:
    best: tuple[float, str, _GroupRecord] | None = None
    seen: set[str] = set()
    for group_id in sorted(group_ids):
        group = _root_of(documents, hearing_id, group_id)
        if group.id in seen:
            continue
        seen.add(group.id)
        alike = likeness(signature, group.signature_of())
        # Ties go to the smaller id, so every instance picks the same group.
        if alike.same_campaign and (best is None or (alike.jaccard, _neg(group.id)) > (best[0], _neg(best[1]))):
            best = (alike.jaccard, group.id, group)
    return None if best is None else best[2]


def _neg(text: str) -> tuple[int, ...]:
    return tuple(-ord(char) for char in text)


def _claim(documents: DocumentStore, hearing_id: str, key: str, group_id: str) -> str:
    """Claim a band key for a group; returns the group that holds it now (the first claimer)."""
    try:
        documents.create(
            CONTAINER, (hearing_id, key), {"id": key, "hearingId": hearing_id, "kind": "band", "groupId": group_id}
        )
        return group_id
    except DocumentExists:
        owner = _band_owner(documents, hearing_id, key)
        assert owner is not None  # band keys are never deleted
        return owner


def _band_owner(documents: DocumentStore, hearing_id: str, key: str) -> str | None:
    stored = documents.read(CONTAINER, (hearing_id, key), key)
    return None if stored is None else str(stored.body["groupId"])


# -- reading -------------------------------------------------------------------------------------


def _root(documents: DocumentStore, hearing_id: str, group: _GroupRecord) -> _GroupRecord:
    """The group a merged group was merged into, followed to the end.

    Should two racing founders ever have merged into each other, the smaller id is the root, so
    every reader agrees.
    """
    path = [group]
    while path[-1].merged_into is not None:
        following = _load_group(documents, hearing_id, path[-1].merged_into)
        if any(seen.id == following.id for seen in path):
            return min(path, key=lambda g: g.id)
        path.append(following)
    return path[-1]


def _root_in(groups: dict[str, _GroupRecord], doc_id: str) -> str | None:
    path: list[str] = []
    while doc_id in groups and doc_id not in path:
        path.append(doc_id)
        merged_into = groups[doc_id].merged_into
        if merged_into is None:
            return doc_id
        doc_id = _doc_id("group", merged_into)
    return min(path) if path and doc_id in path else None


def _root_of(documents: DocumentStore, hearing_id: str, group_id: str) -> _GroupRecord:
    return _root(documents, hearing_id, _load_group(documents, hearing_id, group_id))


def _load_group(documents: DocumentStore, hearing_id: str, group_id: str) -> _GroupRecord:
    loaded = _read(documents, hearing_id, _doc_id("group", group_id), _GroupRecord)
    if loaded is None:  # created before any band key or member names it, and never deleted
        raise LookupError(f"campaign group {group_id} of hearing {hearing_id} is missing")
    return loaded[1]


def _read(documents: DocumentStore, hearing_id: str, doc_id: str, model: type[R]) -> tuple[str, R] | None:
    stored: Stored | None = documents.read(CONTAINER, (hearing_id, doc_id), doc_id)
    return None if stored is None else (stored.etag, model.model_validate(stored.body))


def _each(documents: DocumentStore, hearing_id: str, kind: str, model: type[R]) -> list[R]:
    found: list[R] = []
    continuation: str | None = None
    while True:
        page = documents.query(
            CONTAINER,
            Query(
                filters=(Filter("kind", "=", kind),),
                partition=(hearing_id,),
                limit=5000,  # a hearing view reads every membership: few pages, each one scan
                continuation=continuation,
            ),
        )
        found.extend(model.model_validate(item.body) for item in page.items)
        continuation = page.continuation
        if continuation is None:
            return found


def _member_view(member: _MemberRecord) -> CampaignMember:
    # A member that joined a founder which then lost a race keeps the additions it had against
    # that founder's text, itself a copy of the same campaign.
    return CampaignMember(response_id=member.response_id, own_additions=member.own_additions)


def _assignment(member: _MemberRecord) -> GroupAssignment:
    assert member.group_id is not None
    return GroupAssignment(
        hearing_id=member.hearing_id,
        response_id=member.response_id,
        group_id=member.group_id,
        founded=member.founded,
        own_additions=member.own_additions,
    )


def _doc_id(kind: str, key: str) -> str:
    return f"{kind}-{key}"


def _require(value: str, field: str) -> None:
    if not value or not value.strip():
        raise InvalidInput("must not be empty", field=field)
