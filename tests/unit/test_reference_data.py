"""Admins manage hearing templates, subject and city areas, KLE numbers and hearing owners; each change is audited."""

from __future__ import annotations

import pytest

from shared.domain.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, NotFound
from shared.domain.hearing import Visibility
from shared.domain.reference import (
    REFERENCE_TRAIL,
    AreaName,
    AttachmentLimits,
    KleImport,
    KleImportRow,
    KleTitle,
    OwnerChange,
    ReferenceType,
    TemplateRequest,
)
from shared.ports.directory import Colleague
from shared.services import owners, reference_data
from shared.services.hearing_api import HearingDraft
from shared.services.hearings import audit_trail, create_hearing, get_hearing, list_hearings
from shared.services.repositories import AuditRepository
from tests.fakes import Portal, admin, caseworker, citizen, employee

ADA = admin()
HENRIETTE = caseworker()
OLE = caseworker("entra:ole")


@pytest.fixture
def portal() -> Portal:
    return Portal.start()


def trail(portal: Portal) -> list[tuple[str, str | None]]:
    events, _ = AuditRepository(portal.store).page(REFERENCE_TRAIL, 100, None)
    return [(event.action, event.target) for event in events]


# -- hearing templates -----------------------------------------------------------------------------------


def test_a_new_template_gives_a_caseworkers_new_hearing_its_defaults(portal: Portal) -> None:
    request = TemplateRequest(
        name="Lokalplan",
        default_visibility=Visibility.INTERNAL,
        default_summary="Forslag til lokalplan.",
        default_body="Planen beskriver ...",
        attachment_limits=AttachmentLimits(max_files=3, max_bytes=500_000),
        responses_per_respondent=2,
        retention_days=365,
        auto_approve=True,
    )
    template = portal.call(reference_data.put_template, ADA, "lokalplan", request)

    draft = HearingDraft(template_id="lokalplan", title="Lokalplan for Valby", case_number="2026-1")
    hearing = portal.call(create_hearing, HENRIETTE, draft)

    assert (hearing.visibility, hearing.summary, hearing.body) == (
        Visibility.INTERNAL,
        "Forslag til lokalplan.",
        "Planen beskriver ...",
    )
    assert template.attachment_limits.max_files == 3 and template.auto_approve
    listed = portal.call(reference_data.list_templates, HENRIETTE).items
    assert [t.id for t in listed] == ["lokalplan", "standard"]
    assert trail(portal) == [("template.created", "template:lokalplan")]


def test_changing_a_template_is_audited_once_and_an_unchanged_one_not_at_all(portal: Portal) -> None:
    portal.call(reference_data.put_template, ADA, "lokalplan", TemplateRequest(name="Lokalplan"))
    portal.clock.advance(seconds=1)
    portal.call(reference_data.put_template, ADA, "lokalplan", TemplateRequest(name="Lokalplaner"))
    portal.call(reference_data.put_template, ADA, "lokalplan", TemplateRequest(name="Lokalplaner"))

    assert portal.call(reference_data.get_template, ADA, "lokalplan").name == "Lokalplaner"
    assert [action for action, _ in trail(portal)] == ["template.created", "template.changed"]


def test_a_template_id_and_attachment_size_are_checked_and_nothing_is_stored(portal: Portal) -> None:
    with pytest.raises(InvalidInput) as bad_id:
        portal.call(reference_data.put_template, ADA, "Lokal Plan", TemplateRequest(name="Lokalplan"))
    too_big = TemplateRequest(name="Stor", attachment_limits=AttachmentLimits(max_bytes=portal.max_upload_bytes + 1))
    with pytest.raises(InvalidInput) as big:
        portal.call(reference_data.put_template, ADA, "stor", too_big)

    assert bad_id.value.problems[0].field == "templateId"
    assert big.value.problems[0].field == "attachmentLimits.maxBytes"
    assert [t.id for t in portal.call(reference_data.list_templates, ADA).items] == ["standard"]
    assert trail(portal) == []


def test_only_admins_change_templates_and_only_creators_read_them(portal: Portal) -> None:
    with pytest.raises(Forbidden):
        portal.call(reference_data.put_template, HENRIETTE, "x", TemplateRequest(name="X"))
    with pytest.raises(Forbidden):
        portal.call(reference_data.list_templates, employee())
    with pytest.raises(NotAuthenticated):
        portal.call(reference_data.list_templates, None)
    with pytest.raises(NotFound):
        portal.call(reference_data.get_template, ADA, "no-such")


# -- areas -------------------------------------------------------------------------------------------------


def test_an_area_is_added_renamed_and_removed_with_an_entry_for_each(portal: Portal) -> None:
    portal.call(reference_data.put_area, ADA, "subject-area", "trafik", AreaName(name="Trafik"))
    portal.clock.advance(seconds=1)
    portal.call(reference_data.put_area, ADA, "subject-area", "trafik", AreaName(name="Trafik og veje"))

    listed = portal.call(reference_data.list_areas, ADA, "subject-area").items
    assert [(a.id, a.name) for a in listed] == [("trafik", "Trafik og veje")]
    assert portal.call(reference_data.list_areas, ADA, "city-area").items == []

    portal.clock.advance(seconds=1)
    portal.call(reference_data.remove_area, ADA, "subject-area", "trafik")
    assert portal.call(reference_data.list_areas, ADA, "subject-area").items == []
    assert trail(portal) == [
        ("area.added", "subject-area:trafik"),
        ("area.renamed", "subject-area:trafik"),
        ("area.removed", "subject-area:trafik"),
    ]


def test_an_area_a_hearing_uses_is_not_removed(portal: Portal) -> None:
    portal.add_area(ReferenceType.CITY_AREA, "valby", "Valby")
    portal.draft(city_area_ids=["valby"])

    with pytest.raises(Conflict) as refused:
        portal.call(reference_data.remove_area, ADA, "city-area", "valby")

    assert refused.value.problems[0].field == "areaId"
    assert [a.id for a in portal.call(reference_data.list_areas, ADA, "city-area").items] == ["valby"]


def test_an_unknown_kind_of_area_or_area_is_not_found(portal: Portal) -> None:
    with pytest.raises(NotFound):
        portal.call(reference_data.list_areas, ADA, "planets")
    with pytest.raises(NotFound):
        portal.call(reference_data.remove_area, ADA, "city-area", "atlantis")
    with pytest.raises(Forbidden):
        portal.call(reference_data.put_area, HENRIETTE, "city-area", "valby", AreaName(name="Valby"))


# -- KLE numbers -------------------------------------------------------------------------------------------


def test_a_kle_number_is_offered_retitled_and_removed(portal: Portal) -> None:
    portal.call(reference_data.put_kle, ADA, "02.00", KleTitle(title="Byggeri"))
    portal.call(reference_data.put_kle, ADA, "02.00", KleTitle(title="Byggeri i almindelighed"))
    assert [(e.id, e.title) for e in portal.call(reference_data.list_kle, ADA).items] == [
        ("02.00", "Byggeri i almindelighed")
    ]
    portal.call(reference_data.remove_kle, ADA, "02.00")
    assert portal.call(reference_data.list_kle, ADA).items == []
    with pytest.raises(InvalidInput) as bad:
        portal.call(reference_data.put_kle, ADA, "2.0", KleTitle(title="Byggeri"))
    assert bad.value.problems[0].field == "number"


def test_a_csv_file_of_kle_numbers_is_read_with_its_header_and_either_delimiter() -> None:
    read = reference_data.kle_rows_from_csv(
        "\ufeffKLE-nummer;Titel\n01.02;Naturbeskyttelse\n\n02.00.05;Byggetilladelse\n"
    )
    assert [(row.line, row.number, row.title) for row in read.rows] == [
        (2, "01.02", "Naturbeskyttelse"),
        (4, "02.00.05", "Byggetilladelse"),
    ]
    assert [row.number for row in reference_data.kle_rows_from_csv('01,"Kommunens, forvaltning"\n').rows] == ["01"]


def test_an_import_with_a_bad_row_names_each_row_and_imports_nothing(portal: Portal) -> None:
    rows = [
        KleImportRow(line=1, number="01.02", title="Naturbeskyttelse"),
        KleImportRow(line=2, number="1.2", title="Forkert"),
        KleImportRow(line=3, number="02.00", title=""),
    ]
    with pytest.raises(InvalidInput) as refused:
        portal.call(reference_data.import_kle, ADA, KleImport(rows=rows))

    assert [p.field for p in refused.value.problems] == ["rows[2].number", "rows[3].title"]
    assert portal.call(reference_data.list_kle, ADA).items == []
    assert trail(portal) == []


def test_an_import_adds_and_retitles_and_counts_what_it_left(portal: Portal) -> None:
    portal.call(reference_data.put_kle, ADA, "01.02", KleTitle(title="Natur"))
    portal.call(reference_data.put_kle, ADA, "03.00", KleTitle(title="Boliger"))
    text = "01.02;Naturbeskyttelse\n02.00;Byggeri\n03.00;Boliger\n"
    portal.clock.advance(seconds=1)

    imported = portal.call(reference_data.import_kle, ADA, reference_data.kle_rows_from_csv(text))

    assert (imported.added, imported.changed, imported.unchanged) == (1, 1, 1)
    titles = {e.id: e.title for e in portal.call(reference_data.list_kle, ADA).items}
    assert titles == {"01.02": "Naturbeskyttelse", "02.00": "Byggeri", "03.00": "Boliger"}
    assert trail(portal)[-1] == ("kle.imported", "kle")


# -- owners ------------------------------------------------------------------------------------------------


def test_an_admin_moves_a_hearing_to_an_employee_who_signed_in_and_the_trail_says_so(portal: Portal) -> None:
    hearing_id = portal.draft(HENRIETTE)
    portal.call(owners.remember_employee, OLE)

    moved = portal.call(owners.move_hearing, ADA, hearing_id, OwnerChange(owner="OLE@kommune.example"))

    assert moved.owner == "Ole"
    assert portal.call(get_hearing, OLE, hearing_id).owner == "Ole"  # Ole now runs it
    assert [h.id for h in portal.call(list_hearings, OLE, mine=True).items] == [hearing_id]
    with pytest.raises(NotFound):
        portal.call(get_hearing, HENRIETTE, hearing_id)  # a draft: the former owner no longer sees it
    found = portal.call(owners.hearings_of_owner, ADA, "entra:ole")
    assert [h.id for h in found.items] == [hearing_id]
    entries = portal.call(audit_trail, ADA, hearing_id).items
    changed = [e for e in entries if e.action == "hearing.owner-changed"]
    assert [(e.actor, e.target, e.details) for e in changed] == [
        ("entra:ada", "owner:entra:ole", {"former": "entra:henriette"})
    ]


def test_a_hearing_is_not_moved_to_someone_unknown_or_to_a_citizen(portal: Portal) -> None:
    hearing_id = portal.draft(HENRIETTE)
    portal.call(owners.remember_employee, citizen())
    for unknown in ("entra:nobody", "nobody@kommune.example", "mitid:anna"):
        with pytest.raises(InvalidInput) as refused:
            portal.call(owners.move_hearing, ADA, hearing_id, OwnerChange(owner=unknown))
        assert refused.value.problems[0].field == "owner"
    portal.call(owners.remember_employee, HENRIETTE)
    with pytest.raises(Conflict):
        portal.call(owners.move_hearing, ADA, hearing_id, OwnerChange(owner="entra:henriette"))
    with pytest.raises(Forbidden):
        portal.call(owners.move_hearing, HENRIETTE, hearing_id, OwnerChange(owner="entra:henriette"))
    assert portal.stored_hearing(hearing_id).owner == "entra:henriette"


class OneColleague:
    """The organisation's directory, knowing one employee who has never signed in to the portal."""

    def __init__(self, colleague: Colleague) -> None:
        self.colleague = colleague
        self.asked: list[str] = []

    def find(self, key: str) -> Colleague | None:
        self.asked.append(key)
        wanted = key.strip().lower()
        return self.colleague if wanted in (self.colleague.subject, self.colleague.email) else None


def test_a_hearing_goes_to_a_colleague_the_directory_knows_before_their_first_sign_in(portal: Portal) -> None:
    portal.directory = OneColleague(Colleague("entra:mette", "Mette Ny", "mette@kommune.example"))
    hearing_id = portal.draft(HENRIETTE)

    moved = portal.call(owners.move_hearing, ADA, hearing_id, OwnerChange(owner="Mette@kommune.example"))

    assert moved.owner == "Mette Ny"
    assert portal.stored_hearing(hearing_id).owner == "entra:mette"
    remembered = owners.find_employee(portal.store, "mette@kommune.example")
    assert remembered is not None and remembered.from_directory
    mette = caseworker("entra:mette").model_copy(update={"name": "Mette Ny", "email": "mette@kommune.example"})
    assert portal.call(owners.remember_employee, mette)  # her first sign-in is noted all the same
    signed_in = owners.find_employee(portal.store, "entra:mette")
    assert signed_in is not None and not signed_in.from_directory


def test_a_refused_move_does_not_remember_the_colleague_it_named(portal: Portal) -> None:
    portal.directory = OneColleague(Colleague("entra:mette", "Mette Ny", "mette@kommune.example"))

    with pytest.raises(NotFound):
        portal.call(owners.move_hearing, ADA, "no-such-hearing", OwnerChange(owner="mette@kommune.example"))

    assert owners.find_employee(portal.store, "entra:mette") is None


def test_the_directory_is_asked_only_for_someone_the_portal_does_not_know(portal: Portal) -> None:
    directory = OneColleague(Colleague("entra:mette", "Mette Ny", "mette@kommune.example"))
    portal.directory = directory
    portal.call(owners.remember_employee, OLE)

    portal.call(owners.move_hearing, ADA, portal.draft(HENRIETTE), OwnerChange(owner="ole@kommune.example"))
    with pytest.raises(InvalidInput):
        portal.call(owners.move_hearing, ADA, portal.draft(HENRIETTE), OwnerChange(owner="nobody@kommune.example"))

    assert directory.asked == ["nobody@kommune.example"]


def test_an_employee_is_remembered_once_until_their_name_changes(portal: Portal) -> None:
    assert portal.call(owners.remember_employee, OLE)
    assert not portal.call(owners.remember_employee, OLE)
    renamed = OLE.model_copy(update={"name": "Ole Hansen"})
    assert portal.call(owners.remember_employee, renamed)
    found = owners.find_employee(portal.store, "ole@kommune.example")
    assert found is not None and found.name == "Ole Hansen"


def test_an_admin_sees_the_employees_the_portal_knows_and_finds_an_owner_by_a_name_only_one_has(
    portal: Portal,
) -> None:
    hearing_id = portal.draft(HENRIETTE)
    for someone in (HENRIETTE, OLE, employee("entra:ole2").model_copy(update={"name": "Ole"}), citizen()):
        portal.call(owners.remember_employee, someone)

    known = portal.call(owners.known_employees, ADA)

    assert [(member.name, member.id) for member in known] == [
        ("Henriette", "entra:henriette"),
        ("Ole", "entra:ole"),
        ("Ole", "entra:ole2"),
    ]
    assert [h.id for h in portal.call(owners.hearings_of_owner, ADA, "henriette").items] == [hearing_id]
    assert owners.find_employee(portal.store, "Ole") is None  # two employees have that name: neither is guessed
    for not_admin in (HENRIETTE, None):
        with pytest.raises((Forbidden, NotAuthenticated)):
            portal.call(owners.known_employees, not_admin)


def test_hearings_of_an_owner_by_e_mail_and_unknown_owner_lists_nothing(portal: Portal) -> None:
    hearing_id = portal.draft(HENRIETTE)
    portal.call(owners.remember_employee, HENRIETTE)
    assert [h.id for h in portal.call(owners.hearings_of_owner, ADA, "Henriette@kommune.example").items] == [hearing_id]
    assert portal.call(owners.hearings_of_owner, ADA, "entra:nobody").items == []
    with pytest.raises(InvalidInput):
        portal.call(owners.hearings_of_owner, ADA, " ")
