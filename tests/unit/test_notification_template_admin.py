"""Admins' notification templates: sandboxed jinja2, refused naming the part, used by the sender, undone by DELETE."""

from __future__ import annotations

import pytest

from shared.domain.errors import Forbidden, InvalidInput, NotFound
from shared.domain.reference import REFERENCE_TRAIL, NotificationTemplateText
from shared.services import notification_template_admin as admin_templates
from shared.services import notification_templates as templates
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
        # Asking for more than any message needs: each of these took seconds to minutes and gigabytes.
        ("html", '{{ "a"|center(999999999) }}'),
        ("text", '{{ "a" * 1000000000 }}'),
        ("text", "{{ c.hearing.title * 100000 }}"),
        ("html", '{{ "%999999999s" % "a" }}'),
        ("text", "{{ 10 ** 100000000 }}"),
        ("text", "{% for n in range(1000000) %}{{ n }}{% endfor %}"),
        ("text", '{{ ("a" * 5000)|replace("a", "b" * 5000) }}'),
        ("text", "{{ c.hearing.title|indent(99999999) }}"),
        ("html", '{% include "/etc/passwd" %}'),
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


def test_the_list_names_every_kind_in_both_languages_and_which_use_the_admins_own_text() -> None:
    portal = Portal.start()
    portal.call(admin_templates.put_notification_template, ADA, "new_hearing", "da", OWN)

    listed = portal.call(admin_templates.list_notification_templates, ADA).items

    assert len(listed) == 2 * len(templates.TEMPLATES)
    assert {(item.kind, item.language) for item in listed} == {
        (kind, language) for kind in templates.TEMPLATES for language in ("da", "en")
    }
    own = [(item.kind, item.language, item.updated_by) for item in listed if item.custom]
    assert own == [("new_hearing", "da", ADA.subject)]
    with pytest.raises(Forbidden):
        portal.call(admin_templates.list_notification_templates, ERIK)


def test_the_values_a_kind_offers_come_from_its_context_and_each_one_renders() -> None:
    names = {variable.name: variable for variable in templates.variables("meeting_changed")}

    assert {"c.hearing.title", "c.meeting.place", "c.changes", "hearing_url"} <= set(names)
    assert names["c.meeting.starts_at"].time and not names["c.meeting.place"].time
    digest = {variable.name: variable for variable in templates.variables("digest")}
    assert "hearing_url" not in digest  # a digest is about many hearings
    assert digest["c.items"].each == ["hearing.id", "hearing.title", "happened_at", "summary"]
    # Every value named for every kind is there when a template uses it: the help never names a wrong one.
    portal = Portal.start()
    for kind in templates.TEMPLATES:
        named = templates.variables(kind)
        used = " ".join(f"{{{{ {v.name} | when }}}}" if v.time else f"{{{{ {v.name} }}}}" for v in named)
        proposal = NotificationTemplatePreview(subject="Emne", text=used)
        portal.call(admin_templates.preview_notification_template, ADA, kind, "da", proposal)


def test_a_template_that_includes_a_file_is_refused_without_saying_where_the_portal_keeps_its_own() -> None:
    portal = Portal.start()
    bad = OWN.model_copy(update={"html": '{% include "/etc/passwd" %}'})

    with pytest.raises(InvalidInput) as caught:
        portal.call(admin_templates.put_notification_template, ADA, "new_hearing", "en", bad)

    detail = caught.value.problems[0].message
    assert "include" in detail
    assert "/" not in detail.replace("/etc/passwd", "")


def test_a_template_within_the_bounds_still_renders() -> None:
    portal = Portal.start()
    fine = OWN.model_copy(
        update={"text": '{{ "-" * 40 }}\n{% for n in range(3) %}{{ n }}{% endfor %} {{ "%5s" % "x" }} {{ 2 ** 10 }}'}
    )

    portal.call(admin_templates.put_notification_template, ADA, "new_hearing", "en", fine)

    assert portal.call(admin_templates.get_notification_template, ADA, "new_hearing", "en").custom
