"""The admins' forms as the pages read them, and their problems as messages naming the form's fields."""

from __future__ import annotations

import html
import re

import pytest
from pydantic import ValidationError

from functions.web_admin import (
    _message_page,
    _template_page,
    admin_errors,
    done_text,
    message_errors,
    message_form,
    message_preview_form,
    template_form,
)
from functions.webui.forms import FormErrors
from functions.webui.pages import Visit
from functions.webui.session import Session
from shared.domain.errors import Conflict, FieldProblem, InvalidInput
from shared.domain.files import FileKind
from shared.domain.hearing import Visibility
from shared.services import notification_template_admin as message_admin
from shared.services import reference_data
from tests.fakes import Portal, admin

FORM = {
    "name": "Lokalplan",
    "description": "",
    "defaultVisibility": "internal",
    "defaultSummary": "Resumé",
    "defaultBody": "Tekst",
    "maxFiles": "3",
    "maxBytes": "5",
    "kind-pdf": "on",
    "kind-png": "on",
    "responsesPerRespondent": "1",
    "retentionDays": "365",
    "autoApprove": "on",
    "deadlineWarningDays": "7",
}


def visit(language: str = "da", **query: str) -> Visit:
    return Visit(language, "/administration", query, Session())


def test_the_template_form_gives_the_apis_request_with_megabytes_as_bytes() -> None:
    request = template_form(FORM)

    assert request.default_visibility is Visibility.INTERNAL
    assert request.attachment_limits.max_bytes == 5 * 1024 * 1024
    assert request.attachment_limits.kinds == [FileKind.PDF, FileKind.PNG]
    assert (request.retention_days, request.auto_approve) == (365, True)


def test_each_bad_field_of_the_template_form_is_named_by_its_form_field() -> None:
    bad = {**FORM, "name": "", "maxBytes": "1,5", "retentionDays": "nul", "kind-pdf": "", "kind-png": ""}
    with pytest.raises(ValidationError) as refused:
        template_form(bad)

    errors = admin_errors(refused.value, visit())
    assert [item.field for item in errors.items] == ["name", "maxBytes", "kinds", "retentionDays"]
    assert errors.of("retentionDays") == ["Skriv et antal dage fra 1 til 36.500."]


def field_value(page: str, field: str) -> str:
    found = re.search(rf'<input [^>]*id="{field}" [^>]*value="([^"]*)"', page)
    assert found is not None, f"no {field} field on the page"
    return html.unescape(found.group(1))


def test_the_deadline_reminder_days_go_from_the_form_into_the_template_and_back_onto_the_form() -> None:
    portal = Portal.start()
    ada = admin()
    form = {**FORM, "maxBytes": "1"}  # within the test portal's upload cap
    portal.call(reference_data.put_template, ada, "vejnavne", template_form(form))

    saved = portal.call(reference_data.get_template, ada, "vejnavne")
    assert saved.deadline_warning_days == 7
    page = _template_page(visit(), saved, None, FormErrors()).get_body().decode()
    assert field_value(page, "deadlineWarningDays") == "7"
    assert "Påmindelse, i dage før høringsfristen" in page
    # 0 is a choice of its own: followers of this type are not reminded.
    portal.call(reference_data.put_template, ada, "vejnavne", template_form({**form, "deadlineWarningDays": "0"}))
    assert portal.call(reference_data.get_template, ada, "vejnavne").deadline_warning_days == 0


@pytest.mark.parametrize("typed", ["61", "-1", "tre", ""])
def test_a_bad_number_of_reminder_days_is_shown_next_to_its_field_as_typed(typed: str) -> None:
    form = {**FORM, "deadlineWarningDays": typed}
    with pytest.raises(ValidationError) as refused:
        template_form(form)

    errors = admin_errors(refused.value, visit())
    assert [item.field for item in errors.items] == ["deadlineWarningDays"]
    assert errors.of("deadlineWarningDays") == ["Skriv et antal dage fra 0 til 60."]
    page = _template_page(visit(), None, form, errors, 422).get_body().decode()
    assert 'id="deadlineWarningDays-error"' in page
    assert field_value(page, "deadlineWarningDays") == typed
    assert re.search(r'id="deadlineWarningDays" [^>]*aria-invalid="true"', page)


def test_a_services_problem_becomes_the_fields_message_or_its_own() -> None:
    in_use = Conflict("a hearing uses this area", field="areaId")
    too_big = InvalidInput("too big", field="attachmentLimits.maxBytes")
    rows = InvalidInput("2 rows", problems=[FieldProblem("rows[3].number", "x"), FieldProblem("rows[3].title", "y")])

    assert admin_errors(in_use, visit("en")).of("areaId") == ["A hearing uses this area, so it cannot be removed."]
    assert admin_errors(too_big, visit("en")).items[0].field == "maxBytes"
    # One message per line of the file, under the file field.
    assert admin_errors(rows, visit("en")).of("file") == ["Line 3 of the file: check the KLE number and its title."]


def test_what_a_form_did_is_said_in_the_visitors_language() -> None:
    assert done_text(visit("da", udfoert="kle-imported-2-1-0")) == "Importeret: 2 tilføjet, 1 ændret, 0 uændret."
    assert done_text(visit("en", udfoert="moved")) == "The hearing has a new owner."
    assert done_text(visit("en", udfoert="<script>")) is None


MESSAGE = {
    "subject": "Tak for dit svar: {{ c.hearing.title }}",
    "html": "<p>Modtaget {{ c.received_at | when }}</p>\r\n<p>{{ c.verification_code }}</p>\r\n",
    "text": "Modtaget {{ c.received_at | when }}\r\nKode: {{ c.verification_code }}\r\n",
    "action": "save",
}


def test_the_message_form_gives_the_apis_request_with_the_browsers_line_ends_made_plain() -> None:
    request = message_form(MESSAGE)

    assert request.subject == "Tak for dit svar: {{ c.hearing.title }}"
    assert request.html == "<p>Modtaget {{ c.received_at | when }}</p>\n<p>{{ c.verification_code }}</p>"
    assert "\r" not in request.text
    assert message_preview_form(MESSAGE).text == request.text


@pytest.mark.parametrize("part", ["subject", "html", "text"])
def test_an_emptied_part_of_a_message_is_named_at_its_field_for_a_save_and_a_preview(part: str) -> None:
    for read in (message_form, message_preview_form):
        with pytest.raises(ValidationError) as refused:
            read({**MESSAGE, part: "  "})

        errors = message_errors(refused.value, visit("en"))
        assert [item.field for item in errors.items] == [part]


def test_a_message_that_does_not_render_against_the_sample_is_refused_at_its_field_with_the_reason() -> None:
    portal = Portal.start()
    ada = admin()
    with pytest.raises(InvalidInput) as refused:
        portal.call(
            message_admin.put_notification_template,
            ada,
            "receipt",
            "da",
            message_form({**MESSAGE, "subject": "{{ unclosed"}),
        )

    errors = message_errors(refused.value, visit())
    [message] = errors.of("subject")
    assert message.startswith("Det virker ikke med eksempelværdierne:") and "does not parse" in message
    assert not portal.call(message_admin.get_notification_template, ada, "receipt", "da").custom
    typed = {**MESSAGE, "subject": "{{ unclosed"}
    view = portal.call(message_admin.get_notification_template, ada, "receipt", "da")
    page = _message_page(visit(), view, typed, errors, None, 422).get_body().decode()
    assert field_value(page, "subject") == "{{ unclosed"  # the typed text stays
    assert re.search(r'id="subject" [^>]*aria-invalid="true"', page)


@pytest.mark.parametrize(
    ("language", "start"),
    [("da", "Beskeden har ingen værdi c.hearing.nonexistent. Dens værdier er: "), ("en", "This message has no value")],
)
def test_an_unknown_placeholder_is_named_with_the_values_the_message_has_in_the_pages_language(
    language: str, start: str
) -> None:
    portal = Portal.start()
    typed = {**MESSAGE, "subject": "Tak: {{ c.hearing.nonexistent }}"}
    with pytest.raises(InvalidInput) as refused:
        portal.call(message_admin.put_notification_template, admin(), "receipt", "da", message_form(typed))

    [message] = message_errors(refused.value, visit(language)).of("subject")
    assert message.startswith(start) and "c.hearing.nonexistent" in message
    assert "c.hearing.title, " in message and "c.verification_code" in message
    assert "HearingRef" not in message and "shared." not in message and "attribute" not in message


def test_the_message_page_names_the_kinds_values_and_shows_the_preview_as_text() -> None:
    portal = Portal.start()
    ada = admin()
    view = portal.call(message_admin.get_notification_template, ada, "receipt", "en")
    proposal = message_preview_form({**MESSAGE, "html": "<p>{{ c.hearing.title }}</p>"})
    shown = portal.call(message_admin.preview_notification_template, ada, "receipt", "en", proposal)

    page = _message_page(visit("en"), view, None, FormErrors(), shown).get_body().decode()

    assert "Receipt for a response (English)" in page
    for name in ("c.verification_code", "c.hearing.title", "hearing_url"):
        assert f"<code>{name}</code>" in page
    assert "<code>{{ c.received_at | when }}</code> writes it out" in html.unescape(page)
    preview = page.split('id="preview-html"', 1)[1]
    assert preview.startswith(">&lt;p&gt;Lokalplan for Ørestad Syd&lt;/p&gt;")  # escaped: shown, not rendered
    assert "Return to the built-in text" not in page  # the built-in text is in use
