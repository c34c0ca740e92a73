"""Campaigns as moderators and the public see them, and taking a response out of its campaign.

The grouping itself (``shared/services/campaigns.py``) keeps each member's own additions as the
respondent wrote them. Nothing here shows those raw: moderators see the template and the additions
with CPR numbers and e-mail addresses masked, as in an export; the public sees only published
members, each in its published (redacted) text, and the additions are worked out from those.
"""

from __future__ import annotations

from pydantic import Field

from shared.domain.audit import AuditEvent
from shared.domain.base import PortalModel
from shared.domain.campaigns import CampaignGroup, CampaignMember, own_additions
from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound, raises
from shared.domain.identity import Identity
from shared.domain.redaction import Language
from shared.domain.response import Response, ResponseStatus
from shared.ports.clock import Clock
from shared.ports.documents import DocumentStore, Filter
from shared.ports.messages import MessageBus
from shared.ports.vault import PersonalDataVault
from shared.services import campaigns
from shared.services.export_rows import masked
from shared.services.guards import managed_hearing, visible_hearing
from shared.services.moderating import CityAreas, language_from, moderated_hearing
from shared.services.repositories import AuditRepository, ResponseRepository
from shared.services.unit_of_work import UnitOfWork
from shared.services.viewers import viewer_of


class CampaignList(PortalModel):
    """For the hearing's owner and admins: every campaign, largest first, each member counted once."""

    hearing_id: str
    items: list[CampaignGroup] = Field(default_factory=list)


class PublicCampaignMember(PortalModel):
    response_id: str
    author: str  # as the public sees it on the response itself
    own_additions: list[str] = Field(default_factory=list, description="what this member wrote beyond the text")


class PublicCampaign(PortalModel):
    """Shown openly as "count × text": every published member is listed, none is counted away."""

    id: str
    text: str = Field(description="the campaign's text as published (the founding response's, when published)")
    count: int
    members: list[PublicCampaignMember]


class PublicCampaignList(PortalModel):
    hearing_id: str
    items: list[PublicCampaign] = Field(default_factory=list)


@raises(NotAuthenticated, Forbidden, NotFound, InvalidInput)
def hearing_campaigns(
    who: Identity | None, hearing_id: str, *, documents: DocumentStore, clock: Clock, vault: PersonalDataVault
) -> CampaignList:
    """Each group with its template text, its count and each member's own additions (read in any state)."""
    hearing = managed_hearing(documents, viewer_of(who, vault), hearing_id).model
    groups = [_masked(group) for group in campaigns.list_groups(hearing.id, documents=documents)]
    # Additions are what respondents wrote themselves: a read of them is on the trail like the moderation list.
    AuditRepository(documents).append(
        AuditEvent.record(who, hearing.id, "personal-data.read", clock.now(), what="campaigns", count=str(len(groups)))
    )
    return CampaignList(hearing_id=hearing.id, items=groups)


@raises(NotFound, InvalidInput)
def public_campaigns(
    who: Identity | None,
    hearing_id: str,
    accept_language: str | None = None,
    *,
    documents: DocumentStore,
    vault: PersonalDataVault,
) -> PublicCampaignList:
    """Campaigns among the published responses, each published member with its own published addition."""
    hearing = visible_hearing(documents, viewer_of(who, vault), hearing_id).model
    language = language_from(accept_language)
    published = {
        response.id: response
        for response in ResponseRepository(documents).each(
            hearing.id, Filter("status", "=", ResponseStatus.APPROVED.value), Filter("published", "=", True)
        )
    }
    areas = CityAreas(documents)
    items = []
    for group in campaigns.list_groups(hearing.id, documents=documents):
        shown = [published[m.response_id] for m in group.members if m.response_id in published]
        if len(shown) < 2:
            continue  # a single published member is shown as the response it is, in the response list
        items.append(_public(group.id, shown, language, areas))
    return PublicCampaignList(hearing_id=hearing.id, items=items)


@raises(NotAuthenticated, Forbidden, NotFound, Conflict, InvalidInput)
def split_campaign_member(
    who: Identity | None,
    hearing_id: str,
    group_id: str,
    response_id: str,
    *,
    documents: DocumentStore,
    bus: MessageBus,
    clock: Clock,
    vault: PersonalDataVault,
) -> None:
    """Take a response out of its campaign for good: it is no longer counted in it, nor regrouped."""
    hearing, moderator = moderated_hearing(who, hearing_id, documents=documents, vault=vault)
    loaded = ResponseRepository(documents).get(hearing.id, response_id)
    if loaded is None:
        raise NotFound("no such response", field="responseId")
    campaigns.split_member(hearing.id, group_id, response_id, documents=documents)
    # A retry after the membership was changed but the response was not finds the split done and saves.
    response = loaded.model
    response.campaign_group_id = None
    response.record_audit(
        moderator, "response.campaign-split", clock.now(), target=f"response:{response.id}", group=group_id
    )
    with UnitOfWork(documents, bus) as uow:
        uow.save(loaded)
        uow.commit()


def _masked(group: CampaignGroup) -> CampaignGroup:
    return group.model_copy(
        update={
            "template_text": masked(group.template_text),
            "members": [
                CampaignMember(response_id=m.response_id, own_additions=[masked(a) for a in m.own_additions])
                for m in group.members
            ],
        }
    )


def _public(group_id: str, shown: list[Response], language: Language, areas: CityAreas) -> PublicCampaign:
    # The first shown member is the founder when it is published (list_groups puts it first).
    template = shown[0].public_text(language)
    members = [
        PublicCampaignMember(
            response_id=response.id,
            author=response.respondent.public_author(areas.name(response.respondent.city_area_id)),
            own_additions=[] if index == 0 else own_additions(template, response.public_text(language)),
        )
        for index, response in enumerate(shown)
    ]
    return PublicCampaign(id=group_id, text=template, count=len(members), members=members)
