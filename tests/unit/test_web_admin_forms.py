"""The admins' forms as the pages read them, and their problems as messages naming the form's fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from functions.web_admin import admin_errors, done_text, template_form
from functions.webui.pages import Visit
from functions.webui.session import Session
from shared.domain.errors import Conflict, FieldProblem, InvalidInput
from shared.domain.files import FileKind
from shared.domain.hearing import Visibility

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
