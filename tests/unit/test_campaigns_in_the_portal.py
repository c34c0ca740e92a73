"""Campaigns as responses arrive: grouped by the screening consumer, listed for moderators and the
public, split by hand, filtered in the moderation list and shown in exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from shared.domain.errors import Conflict, Forbidden, NotAuthenticated, NotFound
from shared.services.campaign_views import hearing_campaigns, public_campaigns, split_campaign_member
from shared.services.containers import EXPORTS_CONTAINER
from shared.services.exports import ExportFormat, ExportRequest, create_export
from shared.services.moderation import moderation_list
from shared.services.repositories import AuditRepository
from shared.services.responses import (
    Decision,
    ResponseSubmission,
    decide_response,
    revise_response,
    screen_response,
    submit_response,
)
from tests.fakes import Portal, caseworker, citizen

OWNER = caseworker()
LETTER = (
    "Vi er mange borgere der siger nej til at fælde træerne langs Amagerbrogade. Træerne giver skygge om "
    "sommeren, ly for fugle og ro for dem der bor i gaden. Kommunen bør finde en løsning hvor cykelstien "
    "bygges uden at et eneste træ forsvinder, og planen bør sendes i ny høring når den er ændret."
)
# Twenty personal additions that share no word with each other or with the letter.
ADDITIONS = [
    "Mine børn leger under kastanjen.",
    "Hold fast, politikere!",
    "Egetræet ved nummer fem er ældst.",
    "Skolebørn samles dér hver morgen.",
    "Husk solsorten.",
    "Vi elsker alléen.",
    "Lindene dufter dejligt i juni.",
    "Tak fordi I lytter.",
    "Spørg beboerforeningen først.",
    "Cyklister kan sagtens dele plads.",
    "Asfalt erstatter aldrig grønt.",
    "Bevar gadens sjæl.",
    "Min mormor plantede nogle af dem.",
    "Byrådet må tænke langsigtet.",
    "Klimaet kræver flere, ikke færre.",
    "Jeg skriver også til borgmesteren.",
    "Grøn by, glad by.",
    "Fuglekasserne hænger stadig.",
    "Lad os mødes og tale sammen.",
    "Venlig hilsen fra nabolaget.",
]
CPR, EMAIL = "010190-1234", "anna@example.dk"


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def respond(portal: Portal, hearing_id: str, number: int, text: str) -> str:
    who = citizen(f"mitid:person-{number}", f"Person {number}")
    receipt, _ = portal.call(submit_response, who, hearing_id, ResponseSubmission(text=text))
    portal.call(screen_response, hearing_id, receipt.response_id)  # the queue consumer
    return receipt.response_id


def campaign_of_twenty(portal: Portal) -> tuple[str, list[str]]:
    hearing_id = portal.active(OWNER)
    ids = [respond(portal, hearing_id, n, f"{LETTER} {ADDITIONS[n]}") for n in range(20)]
    return hearing_id, ids


def test_twenty_copies_with_small_additions_are_one_campaign_with_each_addition_shown(portal: Portal) -> None:
    hearing_id, ids = campaign_of_twenty(portal)

    [campaign] = portal.call(hearing_campaigns, OWNER, hearing_id).items

    assert campaign.member_count == 20 and len(campaign.members) == 20
    assert campaign.template_text == f"{LETTER} {ADDITIONS[0]}"
    shown = {member.response_id: member.own_additions for member in campaign.members}
    assert set(shown) == set(ids)
    assert shown[ids[0]] == []  # the founder's copy is the template
    for n, response_id in enumerate(ids[1:], start=1):
        # What differs from the founder's copy: its own addition, from its first word to its last.
        assert shown[response_id] == [ADDITIONS[n].rstrip(".!")]
    # Each response carries its group, so the moderation list filters by it.
    assert {portal.stored_response(hearing_id, r).campaign_group_id for r in ids} == {campaign.id}
    page = portal.call(moderation_list, OWNER, hearing_id, campaign_group_id=campaign.id, limit=100)
    assert {item.id for item in page.items} == set(ids)


def test_a_redelivered_screening_message_groups_the_response_once(portal: Portal) -> None:
    hearing_id, ids = campaign_of_twenty(portal)

    for response_id in ids[:5]:
        portal.call(screen_response, hearing_id, response_id)

    [campaign] = portal.call(hearing_campaigns, OWNER, hearing_id).items
    assert campaign.member_count == 20


def test_a_split_member_stays_out_also_when_edited_and_screened_again(portal: Portal) -> None:
    hearing_id, ids = campaign_of_twenty(portal)
    [campaign] = portal.call(hearing_campaigns, OWNER, hearing_id).items
    taken = ids[7]

    portal.call(split_campaign_member, OWNER, hearing_id, campaign.id, taken)
    portal.call(split_campaign_member, OWNER, hearing_id, campaign.id, taken)  # a retried DELETE changes nothing

    assert portal.stored_response(hearing_id, taken).campaign_group_id is None
    author = citizen("mitid:person-7", "Person 7")
    portal.call(revise_response, author, hearing_id, taken, ResponseSubmission(text=f"{LETTER} Endnu en tanke."))
    portal.call(screen_response, hearing_id, taken)
    [after] = portal.call(hearing_campaigns, OWNER, hearing_id).items
    assert after.member_count == 19 and taken not in {m.response_id for m in after.members}
    assert portal.stored_response(hearing_id, taken).campaign_group_id is None
    events, _ = AuditRepository(portal.store).page(hearing_id, 500, None)
    splits = [e for e in events if e.action == "response.campaign-split"]
    assert [(e.target, e.details["group"]) for e in splits] == [(f"response:{taken}", campaign.id)] * 2


def test_an_edited_response_is_regrouped_by_its_new_text(portal: Portal) -> None:
    hearing_id, ids = campaign_of_twenty(portal)
    author = citizen("mitid:person-3", "Person 3")
    own = "Jeg ønsker en bredere fortorv ved skolen og flere bænke på pladsen foran biblioteket i bydelen."

    portal.call(revise_response, author, hearing_id, ids[3], ResponseSubmission(text=own))
    portal.call(screen_response, hearing_id, ids[3])

    [campaign] = portal.call(hearing_campaigns, OWNER, hearing_id).items
    assert campaign.member_count == 19
    assert portal.stored_response(hearing_id, ids[3]).campaign_group_id not in (None, campaign.id)


def test_the_template_is_never_split_out_and_a_stranger_is_no_member(portal: Portal) -> None:
    hearing_id, ids = campaign_of_twenty(portal)
    [campaign] = portal.call(hearing_campaigns, OWNER, hearing_id).items

    with pytest.raises(Conflict) as founder:
        portal.call(split_campaign_member, OWNER, hearing_id, campaign.id, ids[0])
    with pytest.raises(NotFound) as stranger:
        portal.call(split_campaign_member, OWNER, hearing_id, campaign.id, "no-such-response")
    with pytest.raises(NotFound) as group:
        portal.call(split_campaign_member, OWNER, hearing_id, "g-none", ids[1])

    fields = [[p.field for p in error.value.problems] for error in (founder, stranger, group)]
    assert fields == [["responseId"], ["responseId"], ["groupId"]]


def test_only_the_owner_and_admins_see_or_split_campaigns(portal: Portal) -> None:
    hearing_id, ids = campaign_of_twenty(portal)
    [campaign] = portal.call(hearing_campaigns, OWNER, hearing_id).items
    someone = citizen("mitid:person-1", "Person 1")

    with pytest.raises(NotAuthenticated):
        portal.call(hearing_campaigns, None, hearing_id)
    with pytest.raises(Forbidden):
        portal.call(hearing_campaigns, someone, hearing_id)
    with pytest.raises(Forbidden):
        portal.call(split_campaign_member, someone, hearing_id, campaign.id, ids[1])
    assert portal.stored_response(hearing_id, ids[1]).campaign_group_id == campaign.id


def test_the_public_sees_published_members_only_each_in_its_published_text(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    plain = respond(portal, hearing_id, 0, LETTER)
    personal = respond(portal, hearing_id, 1, f"{LETTER} Skriv til mig på {EMAIL}, mit CPR er {CPR}.")
    added = respond(portal, hearing_id, 2, f"{LETTER} {ADDITIONS[5]}")
    unpublished = respond(portal, hearing_id, 3, f"{LETTER} Dette må ikke ses endnu af nogen.")
    for response_id in (plain, personal, added):
        decision = Decision(clear_flags=True, publish=True)
        portal.call(decide_response, OWNER, hearing_id, response_id, True, decision)

    [campaign] = portal.call(public_campaigns, None, hearing_id).items

    assert campaign.count == 3 and campaign.text == LETTER
    members = {member.response_id: member for member in campaign.members}
    assert set(members) == {plain, personal, added}
    assert members[added].own_additions == [ADDITIONS[5].rstrip(".")]
    assert all(member.author == "Borger" for member in campaign.members)
    body = portal.call(public_campaigns, None, hearing_id).model_dump_json()
    assert CPR not in body and "0101901234" not in body and EMAIL not in body
    assert "ikke ses endnu" not in body and unpublished not in body
    # The moderators' view counts all four and masks what is never shown, as an export does.
    [moderated] = portal.call(hearing_campaigns, OWNER, hearing_id).items
    assert moderated.member_count == 4
    assert CPR not in moderated.model_dump_json() and EMAIL not in moderated.model_dump_json()


def test_a_campaign_with_one_published_member_is_not_shown_as_a_campaign(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    first = respond(portal, hearing_id, 0, LETTER)
    respond(portal, hearing_id, 1, f"{LETTER} {ADDITIONS[1]}")
    portal.call(decide_response, OWNER, hearing_id, first, True, Decision(clear_flags=True, publish=True))

    assert portal.call(public_campaigns, None, hearing_id).items == []


def test_an_export_shows_each_response_number_and_its_campaign_group(portal: Portal) -> None:
    hearing_id, _ = campaign_of_twenty(portal)
    [campaign] = portal.call(hearing_campaigns, OWNER, hearing_id).items

    ticket = portal.call(create_export, OWNER, hearing_id, ExportRequest(format=ExportFormat.XLSX))

    sheet = load_workbook(io.BytesIO(portal.files.read(EXPORTS_CONTAINER, ticket.name))).worksheets[0]
    header, *rows = list(sheet.iter_rows(values_only=True))
    number, group = header.index("Nr."), header.index("Kampagnegruppe")
    assert sorted(row[number] for row in rows) == list(range(1, 21))
    assert {row[group] for row in rows} == {campaign.id}


def test_an_export_names_no_campaign_group_for_a_response_alone_in_its_group(portal: Portal) -> None:
    hearing_id = portal.active(OWNER)
    first, second = (respond(portal, hearing_id, n, f"{LETTER} {ADDITIONS[n]}") for n in range(2))
    alone = respond(portal, hearing_id, 2, "Cykelstien bør gå gennem parken i stedet for langs gaden.")
    split = respond(portal, hearing_id, 3, f"{LETTER} {ADDITIONS[3]}")
    [campaign] = portal.call(hearing_campaigns, OWNER, hearing_id).items
    portal.call(split_campaign_member, OWNER, hearing_id, campaign.id, split)

    for export_format in ExportFormat:
        ticket = portal.call(create_export, OWNER, hearing_id, ExportRequest(format=export_format))
        data = portal.files.read(EXPORTS_CONTAINER, ticket.name)
        if export_format is ExportFormat.XLSX:
            header, *rows = list(load_workbook(io.BytesIO(data)).worksheets[0].iter_rows(values_only=True))
            group = header.index("Kampagnegruppe")
            assert sorted(row[group] or "" for row in rows) == ["", "", campaign.id, campaign.id]
        else:
            text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
            assert text.count("Kampagnegruppe:") == 2 and text.count(campaign.id) == 2
    assert {first, second} == {member.response_id for member in campaign.members} - {split}
    assert alone not in {member.response_id for member in campaign.members}
