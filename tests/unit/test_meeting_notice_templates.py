"""Meeting notices take the admins' notification templates as every other message does, and fall back
to the built-in text when there is none or a stored one fails with the notice's values."""

from __future__ import annotations

from datetime import timedelta

from shared.domain.reference import NotificationTemplate, NotificationTemplateText
from shared.services import meetings
from shared.services import notification_template_admin as admin_templates
from shared.services.meetings import MeetingRequest
from shared.services.repositories import ReferenceRepository
from shared.services.template_overrides import forget
from tests.fakes import Portal, admin, caseworker, employee
from tests.unit.test_notifications import Pump, opened_hearing_followed_by

ADA = admin()
OWNER = caseworker()
ERIK = employee("entra:erik")
INBOX = "erik@kommune.example"
INVITATION = NotificationTemplateText(
    subject="Velkommen til {{ c.meeting.title }}",
    html="<p>Vi ses {{ c.meeting.starts_at | when }} på {{ c.meeting.place }}.</p>",
    text="Vi ses {{ c.meeting.starts_at | when }} på {{ c.meeting.place }}.\n{{ hearing_url }}",
)


def planned(portal: Portal) -> tuple[str, str]:
    hearing_id = portal.active(OWNER)
    starts = portal.clock.now() + timedelta(days=10)
    request = MeetingRequest.model_validate(
        {
            "title": "Borgermøde om cykelstien",
            "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=2)).isoformat(),
            "location": "Amager Bibliotek",
            "capacity": 5,
        }
    )
    return hearing_id, portal.call(meetings.plan_meeting, OWNER, hearing_id, request).id


def stored_as_is(portal: Portal, kind: str, text: NotificationTemplateText) -> None:
    """A template in the reference data that was never checked against these values (an older portal's)."""
    ReferenceRepository(portal.store).put(
        NotificationTemplate(
            id=NotificationTemplate.id_of(kind, "da"),
            kind=kind,
            language="da",
            subject=text.subject,
            html=text.html,
            text=text.text,
            updated_at=portal.clock.now(),
            updated_by=ADA.subject,
        )
    )
    forget(portal.store)


def test_an_admins_invitation_template_is_the_invitation_attendees_get_with_its_calendar_event() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)
    portal.call(admin_templates.put_notification_template, ADA, "meeting_invitation", "da", INVITATION)

    portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)

    [invitation] = portal.mailer.to(INBOX)
    assert invitation.subject == "Velkommen til Borgermøde om cykelstien"
    assert invitation.text.startswith("Vi ses ") and "kl." in invitation.text
    assert "på Amager Bibliotek." in invitation.html
    assert f"/hoeringer/{hearing_id}" in invitation.text
    [ics] = invitation.attachments
    assert ics.content_type.startswith("text/calendar; method=REQUEST")


def test_each_meeting_notice_kind_takes_its_own_template_and_delete_returns_to_the_built_in_one() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)
    cancelled = NotificationTemplateText(
        subject="Mødet {{ c.meeting.title }} holdes ikke", html="<p>Beklager.</p>", text="Beklager."
    )
    portal.call(admin_templates.put_notification_template, ADA, "meeting_cancelled", "da", cancelled)

    portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)
    portal.call(meetings.cancel_meeting, OWNER, hearing_id, meeting_id)

    invitation, cancellation = portal.mailer.to(INBOX)
    assert invitation.subject == "Invitation: Borgermøde om cykelstien"  # no template of its own: built in
    assert cancellation.subject == "Mødet Borgermøde om cykelstien holdes ikke"
    assert cancellation.text.startswith("Beklager.")

    portal.call(admin_templates.delete_notification_template, ADA, "meeting_cancelled", "da")
    hearing_id, meeting_id = planned(portal)
    portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)
    portal.call(meetings.cancel_meeting, OWNER, hearing_id, meeting_id)
    assert portal.mailer.to(INBOX)[-1].subject == "Aflyst: Borgermøde om cykelstien"


def test_a_stored_meeting_template_that_fails_with_the_notices_values_gives_the_built_in_notice() -> None:
    portal = Portal.start()
    hearing_id, meeting_id = planned(portal)
    stored_as_is(portal, "meeting_invitation", INVITATION.model_copy(update={"subject": "{{ c.meeting.titel }}"}))

    portal.call(meetings.sign_up, ERIK, hearing_id, meeting_id)

    [invitation] = portal.mailer.to(INBOX)
    assert invitation.subject == "Invitation: Borgermøde om cykelstien"
    assert "Du er inviteret til Borgermøde om cykelstien" in invitation.text


def test_a_stored_event_template_that_fails_gives_the_built_in_message_too() -> None:
    portal = Portal.start()
    pump = Pump(portal)
    stored_as_is(portal, "new_hearing", INVITATION)  # names a meeting the new-hearing message does not have

    opened_hearing_followed_by(portal, ERIK, title="Trafikplan")
    pump()

    assert [notice.subject for notice in portal.mailer.to(INBOX)] == ["Ny høring: Trafikplan"]


def test_admins_manage_the_template_of_every_meeting_notice_kind() -> None:
    portal = Portal.start()
    for kind in ("meeting_invitation", "meeting_reminder", "meeting_changed", "meeting_cancelled"):
        for language in ("da", "en"):
            shown = portal.call(admin_templates.get_notification_template, ADA, kind, language)
            assert (shown.kind, shown.custom) == (kind, False)
            assert "c.meeting.title" in shown.subject
