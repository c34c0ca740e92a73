"""Admins' notification templates: sandboxed jinja2, refused naming the part, used by the sender, undone by DELETE."""

from __future__ import annotations

import pytest

from shared.domain.errors import Forbidden, InvalidInput, NotFound
from shared.domain.reference import REFERENCE_TRAIL, NotificationTemplateText
from shared.services import notification_template_admin as admin_templates
from shared.services.notification_template_admin import NotificationTemplatePreview
from shared.services.repositories import AuditRepository
from tests.fakes import Portal, admin, caseworker, employee
from tests.unit.test_notifications import Pump, opened_hearing_followed_by

ADA = admin()
ERIK = employee("entra:erik")
OWN = NotificationTemplateText(
    subject="Kommunen hører dig: {{ c.hearing.title }}",
    html="<p>{{ c.hearing.title }}</p><p>Frist {{ c.deadline | when }}</p>",
    text="{{ c.hearing.title }} - frist {{ c.deadline | when }}\n{{ hearing_url }}",
)


def test_followers_get_the_admins_template_and_delete_returns_to_the_built_in_one() -> None:
    portal = Portal.start()
    pump = Pump(portal)
    view = portal.call(admin_templates.put_notification_template, ADA, "new_hearing", "da", OWN)
    assert view.custom and view.updated_by == ADA.subject
    opened_hearing_followed_by(portal, ERIK, title="<b>Skoleplan</b>")
    pump()

    [notice] = portal.mailer.to("erik@kommune.example")
    assert notice.subject == "Kommunen hører dig: <b>Skoleplan</b>"  # the subject is plain text
    assert "<p>&lt;b&gt;Skoleplan&lt;/b&gt;</p>" in notice.html  # the HTML part is autoescaped
    assert "kl." in notice.text

    back = portal.call(admin_templates.delete_notification_template, ADA, "new_hearing", "da")
    assert not back.custom and back.subject == "Ny høring: {{ c.hearing.title }}"
    opened_hearing_followed_by(portal, ERIK, title="Trafikplan")
    pump()
    assert portal.mailer.to("erik@kommune.example")[-1].subject == "Ny høring: Trafikplan"
    events, _ = AuditRepository(portal.store).page(REFERENCE_TRAIL, 50, None)
    assert [e.action for e in events] == ["notification-template.changed", "notification-template.reset"]


@pytest.mark.parametrize(
    ("part", "source"),
    [
        ("html", "{{ ''.__class__.__mro__ }}"),  # reaching out of the sandbox
        ("text", "{{ c.hearing.title.__class__.__subclasses__() }}"),
        ("subject", "{{ c.hearing.titel }}"),  # misspelt: StrictUndefined
        ("text", "{{ nothing_like_this }}"),
        ("html", "{% if c.summary %}<p>open</p>"),  # does not parse
    ],
)
def test_a_bad_template_is_refused_naming_its_part_and_nothing_is_stored(part: str, source: str) -> None:
    portal = Portal.start()
    bad = OWN.model_copy(update={part: source})

    with pytest.raises(InvalidInput) as caught:
        portal.call(admin_templates.put_notification_template, ADA, "new_hearing", "en", bad)

    assert caught.value.problems[0].field == part
    assert not portal.call(admin_templates.get_notification_template, ADA, "new_hearing", "en").custom
    with pytest.raises(InvalidInput):
        portal.call(
            admin_templates.preview_notification_template,
            ADA,
            "new_hearing",
            "en",
            NotificationTemplatePreview.model_validate({part: source}),
        )


def test_the_preview_fills_what_is_left_out_from_the_template_in_use_and_only_admins_manage_them() -> None:
    portal = Portal.start()
    proposal = NotificationTemplatePreview(subject="Snart frist: {{ c.hearing.title }} ({{ c.days }} dage)")

    shown = portal.call(admin_templates.preview_notification_template, ADA, "deadline_soon", "da", proposal)

    assert shown.subject == "Snart frist: Lokalplan for Ørestad Syd (3 dage)"
    assert "Høringsfristen for Lokalplan for Ørestad Syd" in shown.text  # the built-in text
    for who in (caseworker(), ERIK):
        with pytest.raises(Forbidden):
            portal.call(admin_templates.get_notification_template, who, "deadline_soon", "da")
    with pytest.raises(NotFound) as unknown:
        portal.call(admin_templates.get_notification_template, ADA, "deadline_soon", "de")
    assert unknown.value.problems[0].field == "language"
