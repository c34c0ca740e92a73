"""Demo data for local development: templates, areas and hearings in several states.

Idempotent: every item has a fixed id and is only written when missing, so a restart changes nothing.
The hearings belong to the development persona "hearing-creator".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.bootstrap import Dependencies
from shared.domain.hearing import Hearing, HearingStatus, Visibility
from shared.domain.identity import Identity, IdentityKind, Role
from shared.domain.reference import Area, HearingTemplate, ReferenceType, TermsText
from shared.domain.response import Response
from shared.ports.documents import DocumentExists
from shared.services import terms
from shared.services.repositories import HearingRepository, ReferenceRepository, ResponseRepository

CREATOR = Identity(
    subject="dev:hearing-creator",
    kind=IdentityKind.EMPLOYEE,
    name="Henriette Sagsbehandler",
    roles=frozenset({Role.HEARING_CREATOR}),
)
CITIZEN = Identity(subject="dev:citizen-bo", kind=IdentityKind.CITIZEN, name="Bo Nielsen")
ADMIN = Identity(
    subject="dev:admin", kind=IdentityKind.EMPLOYEE, name="Ada Administrator", roles=frozenset({Role.ADMIN})
)
# Respondents accept these before they respond: send "acceptedTerms": TERMS_VERSION with a response.
TERMS_VERSION = 1
TERMS = TermsText(
    version=TERMS_VERSION,
    text=(
        "Dit høringssvar offentliggøres på portalen, når en sagsbehandler har godkendt det. CPR-numre, "
        "e-mailadresser, telefonnumre og andres navne fjernes før offentliggørelse; dit eget navn vises kun, "
        "hvis du vælger det. Svaret indgår i sagen og journaliseres."
    ),
    text_en=(
        "Your response is published on the portal once a caseworker has approved it. CPR numbers, e-mail "
        "addresses, phone numbers and other people's names are removed before publication; your own name is "
        "shown only if you choose so. The response becomes part of the case and is filed."
    ),
)

TEMPLATES = [
    HearingTemplate(
        id="lokalplan",
        name="Lokalplan",
        description="Forslag til lokalplan med miljøvurdering",
        default_summary="Kommunen foreslår en ny lokalplan.",
        default_body="Forslaget ligger i offentlig høring. Du kan se planforslaget og kommentere det her.",
    ),
    HearingTemplate(
        id="trafik",
        name="Trafikændring",
        description="Ændringer i vejforhold, parkering og cykelstier",
    ),
    HearingTemplate(
        id="intern",
        name="Intern høring",
        description="Høring blandt kommunens medarbejdere",
        default_visibility=Visibility.INTERNAL,
    ),
]
SUBJECT_AREAS = [("trafik", "Trafik og veje"), ("byudvikling", "Byudvikling"), ("miljoe", "Miljø og natur")]
CITY_AREAS = [("amager", "Amager"), ("noerrebro", "Nørrebro"), ("valby", "Valby"), ("indre-by", "Indre By")]
# The concluded hearing is journalised, and its records are rendered from its instants. Fixed ones make it
# the same hearing whenever and wherever it is seeded, so two seeded portals filing into one records system
# (or a data folder seeded again) file the same documents under its keys, not two versions of them.
CONCLUDED_START = datetime(2025, 8, 4, 7, 0, tzinfo=UTC)  # 09:00 in Copenhagen
CONCLUDED_DEADLINE = datetime(2025, 9, 15, 10, 0, tzinfo=UTC)  # 12:00 in Copenhagen
CONCLUDED_AT = datetime(2025, 9, 29, 8, 30, tzinfo=UTC)


def seed(deps: Dependencies) -> None:
    references = ReferenceRepository(deps.documents)
    for template in TEMPLATES:
        if references.template(template.id) is None:
            references.put(template)
    if not references.areas(ReferenceType.SUBJECT_AREA):
        for area_id, name in SUBJECT_AREAS:
            references.put(Area(type=ReferenceType.SUBJECT_AREA, id=area_id, name=name))
    if not references.areas(ReferenceType.CITY_AREA):
        for area_id, name in CITY_AREAS:
            references.put(Area(type=ReferenceType.CITY_AREA, id=area_id, name=name))

    if terms.current_terms(deps.documents) is None:
        terms.publish_terms(ADMIN, TERMS, documents=deps.documents, clock=deps.clock)

    now = deps.clock.now().replace(microsecond=0)
    day = timedelta(days=1)
    hearings = HearingRepository(deps.documents)
    samples = [
        _hearing("demo-draft", "Lokalplan for Havnekvarteret (kladde)", HearingStatus.DRAFT, None, None, now),
        _hearing(
            "demo-scheduled",
            "Ny cykelsti på Amager Strandvej",
            HearingStatus.SCHEDULED,
            now + 3 * day,
            now + 31 * day,
            now,
        ),
        _hearing(
            "demo-active", "Lokalplan for Valby Maskinfabrik", HearingStatus.ACTIVE, now - 5 * day, now + 23 * day, now
        ),
        _hearing(
            "demo-closed",
            "Parkeringszone i Nørrebro",
            HearingStatus.AWAITING_CONCLUSION,
            now - 40 * day,
            now - 2 * day,
            now,
        ),
        _hearing(
            "demo-concluded",
            "Helhedsplan for Indre By",
            HearingStatus.CONCLUDED,
            CONCLUDED_START,
            CONCLUDED_DEADLINE,
            CONCLUDED_START - 7 * day,
        ),
    ]
    for hearing in samples:
        if hearings.get(hearing.id) is None:
            try:
                hearings.add(hearing)
            except DocumentExists:
                pass
    active = hearings.get("demo-active")
    if active is not None:
        response = Response.receive("demo-active", CITIZEN, "Jeg støtter planen, men ønsker flere træer.", True, now)
        response.record_consent(TERMS_VERSION, "valby")
        response.record_screening([], now)
        response.approve(CREATOR.subject, clear_flags=False, publish=True, now=now)
        try:
            ResponseRepository(deps.documents).add(response)
        except DocumentExists:
            pass


def _hearing(
    hearing_id: str,
    title: str,
    status: HearingStatus,
    start: datetime | None,
    deadline: datetime | None,
    now: datetime,
) -> Hearing:
    """A hearing as created at ``now``."""
    return Hearing(
        id=hearing_id,
        template_id="lokalplan",
        title=title,
        summary="Kommunen vil gerne høre din mening.",
        body="Læs forslaget og giv dit høringssvar, mens høringen er åben.",
        case_number=f"2026-DEMO-{hearing_id.removeprefix('demo-')}",
        subject_area_ids=["byudvikling"],
        city_area_ids=["valby"],
        kle="02.00",
        owner=CREATOR.subject,
        owner_name=CREATOR.name,
        status=status,
        start=start,
        deadline=deadline,
        conclusion="Planen vedtages med mindre ændringer." if status is HearingStatus.CONCLUDED else None,
        concluded_at=CONCLUDED_AT if status is HearingStatus.CONCLUDED else None,
        created_at=now,
        updated_at=now,
    )
