"""Campaigns: identical and near-identical responses grouped openly, for moderators and the public."""

from __future__ import annotations

from typing import Annotated

import azure.functions as func

from functions.http import Header, http_function
from shared.bootstrap import call
from shared.domain.identity import Identity
from shared.services import campaign_views
from shared.services.campaign_views import CampaignList, PublicCampaignList

bp = func.Blueprint()
TAG = "Campaigns"
CAMPAIGNS = "hearings/{hearing_id}/campaigns"


@http_function(
    bp,
    "GET",
    CAMPAIGNS,
    summary="A hearing's campaigns: template text, count and each member's own additions (owner, admin)",
    tag=TAG,
    calls=campaign_views.hearing_campaigns,
)
def hearing_campaigns(who: Identity, hearing_id: str) -> CampaignList:
    return call(campaign_views.hearing_campaigns, who, hearing_id)


@http_function(
    bp,
    "GET",
    f"{CAMPAIGNS}/public",
    summary='Campaigns among the published responses, as "n × this text" with each member\'s own addition',
    tag=TAG,
    calls=campaign_views.public_campaigns,
)
def public_campaigns(
    who: Identity | None, hearing_id: str, accept_language: Annotated[str | None, Header("Accept-Language")] = None
) -> PublicCampaignList:
    return call(campaign_views.public_campaigns, who, hearing_id, accept_language)


@http_function(
    bp,
    "DELETE",
    CAMPAIGNS + "/{group_id}/members/{response_id}",
    summary="Take a response out of its campaign; it stays out (owner, admin)",
    tag=TAG,
    calls=campaign_views.split_campaign_member,
)
def split_campaign_member(who: Identity, hearing_id: str, group_id: str, response_id: str) -> None:
    call(campaign_views.split_campaign_member, who, hearing_id, group_id, response_id)
