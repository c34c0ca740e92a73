"""The owner's subject and introduction in a hearing's notices: plain text, escaped in HTML, previewed."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.domain.errors import Conflict, Forbidden
from shared.domain.notification_text import NotificationTexts
from shared.domain.subscription import TargetKind
from shared.services import notification_texts
from shared.services.hearing_api import HearingChanges
from shared.services.hearings import edit_hearing
from shared.services.notification_texts import NotificationTextPreview
from shared.services.repositories import AuditRepository
from shared.services.subscriptions import FollowRequest, follow
from tests.fakes import Portal, caseworker, employee
from tests.unit.test_notifications import Pump

OWNER = caseworker()
ERIK = employee("entra:erik")
SCRIPT = '<script>alert("x")</script>'


def texts(**languages: object) -> NotificationTexts:
    return NotificationTexts.model_validate(languages)


def test_followers_get_the_owners_subject_and_introduction_with_markup_shown_as_text() -> None:
    portal = Portal.start()
    pump = Pump(portal)
    hearing_id = portal.active(OWNER, title="Lokalplan 512 for Ørestad Syd, 2. etape")
    portal.call(follow, ERIK, FollowRequest(kind=TargetKind.HEARING, target_id=hearing_id))
    own = texts(da={"subject": "Ørestad Syd", "introduction": f"Kære nabo, {SCRIPT} sig din mening."})
    portal.call(notification_texts.set_notification_text, OWNER, hearing_id, own)
    portal.call(edit_hearing, OWNER, hearing_id, HearingChanges(summary="Nyt resumé"))
    pump()

    notice = portal.mailer.to("erik@kommune.example")[-1]
    assert notice.subject == "Høringen er ændret: Ørestad Syd"
    assert notice.text.startswith(f"Kære nabo, {SCRIPT} sig din mening.\n\n")  # plain text stays as written
    assert "<script>" not in notice.html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in notice.html


def test_the_preview_shows_proposed_or_stored_words_and_english_falls_back_to_the_portals_own() -> None:
    portal = Portal.start()
    hearing_id = portal.draft(OWNER, title="Skoleplan")
    proposed = NotificationTextPreview.model_validate(
        {"template": "new_hearing", "text": {"da": {"introduction": f"Læs {SCRIPT} her."}}}
    )

    shown = portal.call(notification_texts.preview_notification_text, OWNER, hearing_id, proposed)
    assert shown.subject == "Ny høring: Skoleplan" and shown.text.startswith("Læs <script>")
    assert "&lt;script&gt;" in shown.html and "<script>" not in shown.html
    assert portal.stored_hearing(hearing_id).notification_text is None  # a preview stores nothing

    portal.call(notification_texts.set_notification_text, OWNER, hearing_id, texts(da={"subject": "Skolerne"}))
    stored = NotificationTextPreview.model_validate({"template": "deadline_soon"})
    assert portal.call(notification_texts.preview_notification_text, OWNER, hearing_id, stored).subject.endswith(
        ": Skolerne"
    )
    english = NotificationTextPreview.model_validate({"template": "deadline_soon", "language": "en"})
    assert portal.call(notification_texts.preview_notification_text, OWNER, hearing_id, english).subject.endswith(
        ": Skoleplan"
    )


def test_empty_texts_return_to_the_portals_own_and_each_change_is_audited() -> None:
    portal = Portal.start()
    hearing_id = portal.draft(OWNER)
    portal.call(notification_texts.set_notification_text, OWNER, hearing_id, texts(en={"subject": "Bike lane"}))
    view = portal.call(notification_texts.set_notification_text, OWNER, hearing_id, texts(en={"subject": ""}))

    assert view.da is None and view.en is None
    assert portal.stored_hearing(hearing_id).notification_text is None
    events, _ = AuditRepository(portal.store).page(hearing_id, 50, None)
    assert [e.action for e in events].count("hearing.notification-text-changed") == 2


def test_a_subject_is_one_line_and_only_the_owner_may_set_it_before_the_conclusion() -> None:
    with pytest.raises(ValidationError) as caught:
        texts(da={"subject": "To\nlinjer"})
    assert caught.value.errors()[0]["loc"] == ("da", "subject")

    portal = Portal.start()
    hearing_id = portal.active(OWNER)
    with pytest.raises(Forbidden):
        portal.call(notification_texts.set_notification_text, ERIK, hearing_id, texts(da={"subject": "Min"}))
    concluded = portal.concluded(OWNER)
    with pytest.raises(Conflict):
        portal.call(notification_texts.set_notification_text, OWNER, concluded, texts(da={"subject": "Sent"}))
