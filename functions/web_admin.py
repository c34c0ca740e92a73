"""The admins' pages under /administration: hearing templates, subject and city areas, KLE numbers, the
blacklist, the terms texts, hearing owners and the texts of the portal's messages.

They call the same services as ``/api/management/...``. Anyone but an admin, signed in or not, gets the
404 page: the area does not reveal itself.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

import azure.functions as func
from pydantic import ValidationError

from functions.webui.forms import FieldError, FormErrors
from functions.webui.pages import Visit, redirect, render
from functions.webui.routing import pages_on
from functions.webui.visits import form_of
from shared.bootstrap import call
from shared.domain.errors import Conflict, FieldProblem, InvalidInput, NotFound, PortalError
from shared.domain.files import FileKind
from shared.domain.hearing import Visibility
from shared.domain.identity import Identity
from shared.domain.reference import (
    REFERENCE_ID_PATTERN,
    AreaName,
    BlacklistTerms,
    HearingTemplate,
    KleTitle,
    NotificationTemplateText,
    OwnerChange,
    ReferenceType,
    TemplateRequest,
    TermsText,
)
from shared.domain.text import whole_number
from shared.services import blacklist, owners, reference_data, terms
from shared.services import notification_template_admin as message_admin
from shared.services import notification_templates as message_templates
from shared.services.notification_template_admin import NotificationTemplatePreview, NotificationTemplateView

bp = func.Blueprint()
page = pages_on(bp)
MEGABYTE = 1024 * 1024
KINDS = [kind.value for kind in FileKind]
AREA_KINDS = (ReferenceType.SUBJECT_AREA.value, ReferenceType.CITY_AREA.value)


def N_(message: str) -> str:
    """Marks a text for the catalogue; it is translated when shown."""
    return message


# One message per field, saying what the field takes: shown next to it and in the summary.
FIELD_MESSAGES = {
    "templateId": N_("Give an id of lower-case letters, digits and hyphens, at most 64 characters."),
    "name": N_("Give a name of 1 to 200 characters."),
    "description": N_("The description has at most 2,000 characters."),
    "defaultVisibility": N_("Choose who may see hearings of this type."),
    "defaultSummary": N_("The summary has at most 2,000 characters."),
    "defaultBody": N_("The text has at most 100,000 characters."),
    "maxFiles": N_("Give a number of attachments from 0 to 50."),
    "maxBytes": N_("Give the largest attachment in whole megabytes, at least 1 and no more than the portal allows."),
    "kinds": N_("Choose at least one kind of file."),
    "responsesPerRespondent": N_("Give a number of responses from 1 to 100."),
    "retentionDays": N_("Give a number of days from 1 to 36,500."),
    "deadlineWarningDays": N_("Give a number of days from 0 to 60."),
    "areaId": N_("Give an id of lower-case letters, digits and hyphens, at most 64 characters."),
    "number": N_("A KLE number looks like 01, 01.02 or 01.02.03."),
    "title": N_("Give a title of 1 to 300 characters."),
    "file": N_("Choose a CSV file with a KLE number and its title on each line."),
    "terms": N_("Each term has at most 200 characters, and the list at most 1,000 terms."),
    "version": N_("Another admin has just published this version. Reload the page to see it."),
    "text": N_("Write the terms in Danish: at most 50,000 characters."),
    "textEn": N_("The English terms have at most 50,000 characters."),
    "owner": N_("No employee with this user id or e-mail address has signed in to the portal."),
}
# Where a problem has a message of its own rather than the field's rule.
SPECIAL: dict[tuple[type[PortalError], str], str] = {
    (Conflict, "areaId"): N_("A hearing uses this area, so it cannot be removed."),
    (Conflict, "owner"): N_("This employee owns the hearing already."),
    (Conflict, "status"): N_("The hearing is journalised and archived; its owner no longer changes."),
}
FORM_FIELDS = {"attachmentLimits.maxBytes": "maxBytes", "rows": "file", "body": "file"}


def admin_errors(error: ValidationError | PortalError, visit: Visit, anchor: str | None = None) -> FormErrors:
    """A service's problems and a request model's validation errors as messages naming the form's fields."""
    found: list[FieldError] = []
    if isinstance(error, ValidationError):
        for issue in error.errors():
            located = [part for part in issue["loc"] if isinstance(part, str)]
            name = _camel(located[-1]) if located else "name"
            found.append(FieldError(name, visit._(FIELD_MESSAGES.get(name, N_("Check this field.")))))
    else:
        for problem in error.problems or []:
            if problem.field.startswith("rows["):  # an imported file's row: its own line, as the service says
                line = problem.field[5:].split("]")[0]
                message = visit._("Line {line} of the file: check the KLE number and its title.").format(line=line)
                found.append(FieldError("file", message))
                continue
            name = FORM_FIELDS.get(problem.field, problem.field)
            text = SPECIAL.get((type(error), name)) or FIELD_MESSAGES.get(name, N_("Check this field."))
            found.append(FieldError(name, visit._(text)))
        if not found:
            found.append(FieldError(anchor or "main", visit._(N_("Check this field."))))
    unique = list({(item.field, item.message): item for item in found}.values())
    return FormErrors(unique, anchor)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _admin(who: Identity | None) -> Identity:
    if who is None or not who.is_admin:
        raise NotFound("no such page")
    return who


DONE = {
    "template-saved": N_("The template is saved."),
    "area-added": N_("The area is added."),
    "area-renamed": N_("The area is renamed."),
    "area-removed": N_("The area is removed."),
    "kle-saved": N_("The KLE number is saved."),
    "kle-removed": N_("The KLE number is removed."),
    "blacklist-saved": N_("The blacklist is saved. Responses received from now on are screened for its terms."),
    "terms-published": N_("The new terms are published. Respondents accept them from now on."),
    "moved": N_("The hearing has a new owner."),
    "message-saved": N_("The message's text is saved. Messages sent from now on use it."),
    "message-reset": N_("The message is back to the built-in text."),
}


def _done(visit: Visit, path: str, code: str, **query: str) -> func.HttpResponse:
    """Back to the page (after a POST, so a reload does not post again), saying what was done."""
    return redirect(f"{path}?{urlencode({**query, 'udfoert': code})}", visit)


def done_text(visit: Visit) -> str | None:
    """The status message for what the last form did, from the page's ``udfoert`` parameter."""
    code = visit.query.get("udfoert") or ""
    if code.startswith("kle-imported-"):
        counts = code.removeprefix("kle-imported-").split("-")
        if len(counts) == 3 and all(whole_number(count) is not None for count in counts):
            added, changed, unchanged = counts
            text = visit._(N_("Imported: {added} added, {changed} changed, {unchanged} unchanged."))
            return text.format(added=added, changed=changed, unchanged=unchanged)
        return None
    return visit._(DONE[code]) if code in DONE else None


# -- overview --------------------------------------------------------------------------------------------


@page("administration")
def overview(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    _admin(who)
    return render(visit, "admin_overview.html", done=None)


# -- hearing templates -----------------------------------------------------------------------------------


@page("administration/skabeloner")
def templates(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    listed = call(reference_data.list_templates, admin).items
    return render(visit, "admin_templates.html", templates=listed, done=done_text(visit))


def template_form(form: dict[str, str]) -> TemplateRequest:
    """The template form as the API's request; raises ValidationError naming the fields at fault."""
    megabytes = form.get("maxBytes", "").strip()
    values: dict[str, Any] = {
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "default_visibility": form.get("defaultVisibility", ""),
        "default_summary": form.get("defaultSummary", ""),
        "default_body": form.get("defaultBody", ""),
        "attachment_limits": {
            "max_files": form.get("maxFiles", "").strip(),
            # Megabytes in the form, bytes in the template; anything but a whole number is left as typed.
            "max_bytes": megabytes if (count := whole_number(megabytes)) is None else count * MEGABYTE,
            "kinds": [kind for kind in KINDS if form.get(f"kind-{kind}") == "on"],
        },
        "responses_per_respondent": form.get("responsesPerRespondent", "").strip(),
        "retention_days": form.get("retentionDays", "").strip(),
        "auto_approve": form.get("autoApprove") == "on",
        "deadline_warning_days": form.get("deadlineWarningDays", "").strip(),
    }
    return TemplateRequest.model_validate(values)


def _template_page(
    visit: Visit, template: HearingTemplate | None, form: dict[str, str] | None, errors: FormErrors, status: int = 200
) -> func.HttpResponse:
    if form is None:
        shown = template or HearingTemplate(id="", name="")
        limits = shown.attachment_limits
        form = {
            "templateId": shown.id,
            "name": shown.name,
            "description": shown.description,
            "defaultVisibility": shown.default_visibility.value,
            "defaultSummary": shown.default_summary,
            "defaultBody": shown.default_body,
            "maxFiles": str(limits.max_files),
            "maxBytes": str(max(1, limits.max_bytes // MEGABYTE)),
            **{f"kind-{kind.value}": "on" for kind in limits.kinds},
            "responsesPerRespondent": str(shown.responses_per_respondent),
            "retentionDays": str(shown.retention_days),
            "autoApprove": "on" if shown.auto_approve else "",
            "deadlineWarningDays": str(shown.deadline_warning_days),
        }
    return render(
        visit,
        "admin_template.html",
        status,
        editing=template,
        form=form,
        errors=errors,
        kinds=KINDS,
        visibilities=[v.value for v in Visibility],
    )


@page("administration/ny-skabelon")
def new_template(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    _admin(who)
    return _template_page(visit, None, None, FormErrors())


@page("administration/ny-skabelon", "POST")
def create_template(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    form = form_of(req)
    template_id = form.get("templateId", "").strip()
    # The id is checked with the other fields, so one answer names every field at fault.
    found: list[FieldError] = []
    if not re.fullmatch(REFERENCE_ID_PATTERN, template_id):
        found.append(FieldError("templateId", visit._(FIELD_MESSAGES["templateId"])))
    elif any(t.id == template_id for t in call(reference_data.list_templates, admin).items):
        found.append(FieldError("templateId", visit._(N_("A template with this id exists already."))))
    try:
        request = template_form(form)
    except ValidationError as error:
        found.extend(admin_errors(error, visit).items)
    if found:
        return _template_page(visit, None, form, FormErrors(found), 422)
    try:
        call(reference_data.put_template, admin, template_id, request)
    except PortalError as error:
        return _template_page(visit, None, form, admin_errors(error, visit), 422)
    return _done(visit, "/administration/skabeloner", "template-saved")


@page("administration/skabeloner/{template_id}")
def edit_template(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    template = call(reference_data.get_template, admin, req.route_params["template_id"])
    return _template_page(visit, template, None, FormErrors())


@page("administration/skabeloner/{template_id}", "POST")
def save_template(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    template = call(reference_data.get_template, admin, req.route_params["template_id"])
    form = form_of(req)
    try:
        call(reference_data.put_template, admin, template.id, template_form(form))
    except (ValidationError, PortalError) as error:
        return _template_page(visit, template, {**form, "templateId": template.id}, admin_errors(error, visit), 422)
    return _done(visit, "/administration/skabeloner", "template-saved")


# -- subject areas and city areas --------------------------------------------------------------------------


def _areas_page(
    visit: Visit, admin: Identity, errors: FormErrors, draft: dict[str, str] | None = None, status: int = 200
) -> func.HttpResponse:
    listed = {kind: call(reference_data.list_areas, admin, kind).items for kind in AREA_KINDS}
    return render(
        visit,
        "admin_areas.html",
        status,
        areas=listed,
        kinds=AREA_KINDS,
        errors=errors,
        draft=draft or {},
        done=done_text(visit),
    )


@page("administration/omraader")
def areas(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return _areas_page(visit, _admin(who), FormErrors())


@page("administration/omraader/{kind}", "POST", shown_on="administration/omraader")
def add_area(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    kind = req.route_params["kind"]
    form = form_of(req)
    area_id = form.get("areaId", "").strip()
    try:
        if any(area.id == area_id for area in call(reference_data.list_areas, admin, kind).items):
            message = visit._(N_("An area with this id exists already."))
            return _areas_page(visit, admin, _prefixed(FormErrors([FieldError("areaId", message)]), kind), form, 422)
        call(reference_data.put_area, admin, kind, area_id, AreaName(name=form.get("name", "")))
    except (ValidationError, PortalError) as error:
        if isinstance(error, NotFound):
            raise
        return _areas_page(visit, admin, _prefixed(admin_errors(error, visit), kind), {**form, "kind": kind}, 422)
    return _done(visit, "/administration/omraader", "area-added")


def _prefixed(errors: FormErrors, kind: str) -> FormErrors:
    """Each kind of area has its own add form; its fields' ids start with the kind."""
    return FormErrors([FieldError(f"{kind}-{item.field}", item.message) for item in errors.items], errors.anchor)


@page("administration/omraader/{kind}/{area_id}", "POST", shown_on="administration/omraader")
def rename_area(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    kind, area_id = req.route_params["kind"], req.route_params["area_id"]
    form = form_of(req)
    if not any(area.id == area_id for area in call(reference_data.list_areas, admin, kind).items):
        raise NotFound("no such area")
    try:
        call(reference_data.put_area, admin, kind, area_id, AreaName(name=form.get("name", "")))
    except (ValidationError, PortalError) as error:
        errors = admin_errors(error, visit)
        errors = FormErrors([FieldError(f"name-{kind}-{area_id}", item.message) for item in errors.items])
        return _areas_page(visit, admin, errors, None, 422)
    return _done(visit, "/administration/omraader", "area-renamed")


@page("administration/omraader/{kind}/{area_id}/fjern", "POST", shown_on="administration/omraader")
def remove_area(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    kind, area_id = req.route_params["kind"], req.route_params["area_id"]
    try:
        call(reference_data.remove_area, admin, kind, area_id)
    except Conflict as error:
        errors = admin_errors(error, visit)
        errors = FormErrors([FieldError(f"name-{kind}-{area_id}", item.message) for item in errors.items])
        return _areas_page(visit, admin, errors, None, 409)
    return _done(visit, "/administration/omraader", "area-removed")


# -- KLE numbers -------------------------------------------------------------------------------------------


def _kle_page(
    visit: Visit, admin: Identity, errors: FormErrors, draft: dict[str, str] | None = None, status: int = 200
) -> func.HttpResponse:
    listed = call(reference_data.list_kle, admin).items
    return render(
        visit, "admin_kle.html", status, entries=listed, errors=errors, draft=draft or {}, done=done_text(visit)
    )


@page("administration/kle")
def kle(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return _kle_page(visit, _admin(who), FormErrors())


@page("administration/kle", "POST")
def put_kle(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    form = form_of(req)
    try:
        call(reference_data.put_kle, admin, form.get("number", "").strip(), KleTitle(title=form.get("title", "")))
    except (ValidationError, PortalError) as error:
        return _kle_page(visit, admin, admin_errors(error, visit), form, 422)
    return _done(visit, "/administration/kle", "kle-saved")


@page("administration/kle/import", "POST", shown_on="administration/kle")
def import_kle(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    text = form_of(req).get("file", "")
    try:
        imported = call(reference_data.import_kle, admin, reference_data.kle_rows_from_csv(text))
    except (ValidationError, PortalError) as error:
        if isinstance(error, PortalError) and not error.problems:
            error = type(error)(error.detail, field="file")
        return _kle_page(visit, admin, admin_errors(error, visit), None, 422)
    done = f"kle-imported-{imported.added}-{imported.changed}-{imported.unchanged}"
    return _done(visit, "/administration/kle", done)


@page("administration/kle/{number}/fjern", "POST", shown_on="administration/kle")
def remove_kle(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    try:
        call(reference_data.remove_kle, admin, req.route_params["number"])
    except PortalError:
        raise NotFound("no such KLE number") from None
    return _done(visit, "/administration/kle", "kle-removed")


# -- blacklist ---------------------------------------------------------------------------------------------


@page("administration/sortliste")
def blacklist_page(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    current = call(blacklist.get_blacklist, admin)
    return render(
        visit,
        "admin_blacklist.html",
        blacklist=current,
        text="\n".join(current.terms),
        errors=FormErrors(),
        done=done_text(visit),
    )


@page("administration/sortliste", "POST")
def save_blacklist(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    text = form_of(req).get("terms", "")
    try:
        call(blacklist.put_blacklist, admin, BlacklistTerms(terms=text.splitlines()))
    except (ValidationError, PortalError) as error:
        current = call(blacklist.get_blacklist, admin)
        errors = admin_errors(error, visit)
        return render(visit, "admin_blacklist.html", 422, blacklist=current, text=text, errors=errors, done=None)
    return _done(visit, "/administration/sortliste", "blacklist-saved")


# -- terms texts -------------------------------------------------------------------------------------------


def _terms_page(
    visit: Visit, admin: Identity, errors: FormErrors, draft: dict[str, str] | None = None, status: int = 200
) -> func.HttpResponse:
    listed = call(terms.list_terms, admin)
    versions = sorted(listed.versions, key=lambda version: version.version, reverse=True)
    return render(
        visit,
        "admin_terms.html",
        status,
        versions=versions,
        next_version=(listed.current or 0) + 1,
        errors=errors,
        draft=draft or {},
        done=done_text(visit),
    )


@page("administration/vilkaar")
def terms_page(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return _terms_page(visit, _admin(who), FormErrors())


@page("administration/vilkaar", "POST")
def publish_terms(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    form = form_of(req)
    version = form.get("version", "")
    try:
        request = TermsText(
            version=whole_number(version) or 0,
            text=form.get("text", ""),
            text_en=form.get("textEn", "").strip() or None,
        )
        call(terms.publish_terms, admin, request)
    except (ValidationError, PortalError) as error:
        return _terms_page(visit, admin, admin_errors(error, visit), form, 422)
    return _done(visit, "/administration/vilkaar", "terms-published")


# -- owners ------------------------------------------------------------------------------------------------


def _owners_page(visit: Visit, admin: Identity, owner: str, errors: FormErrors, status: int = 200) -> func.HttpResponse:
    found = call(owners.hearings_of_owner, admin, owner, 100) if owner else None
    shown = {f"owner-{hearing.id}" for hearing in found.items} if found else set()
    # A move refused for a hearing the search no longer lists (the form was changed on its way) is told
    # at the search field, so the error summary never links to a field that is not on the page.
    errors = FormErrors(
        [item if item.field in shown else FieldError("ejer", item.message) for item in errors.items], errors.anchor
    )
    return render(
        visit,
        "admin_owners.html",
        status,
        owner=owner,
        hearings=found.items if found else None,
        employees=call(owners.known_employees, admin),
        errors=errors,
        done=done_text(visit),
    )


@page("administration/ejere")
def owners_page(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    return _owners_page(visit, _admin(who), (req.params.get("ejer") or "").strip(), FormErrors())


@page("administration/ejere/{hearing_id}", "POST", shown_on="administration/ejere")
def move_hearing(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    hearing_id = req.route_params["hearing_id"]
    form = form_of(req)
    former = form.get("ejer", "").strip()
    try:
        call(owners.move_hearing, admin, hearing_id, OwnerChange(owner=form.get("owner", "")))
    except (ValidationError, PortalError) as error:
        if isinstance(error, NotFound):
            raise
        errors = admin_errors(error, visit)
        errors = FormErrors([FieldError(f"owner-{hearing_id}", item.message) for item in errors.items])
        return _owners_page(visit, admin, former, errors, 422)
    return _done(visit, "/administration/ejere", "moved", ejer=former)


# -- the texts of the portal's messages --------------------------------------------------------------------

# The kinds' names as admins know them; a kind added later without a name here is shown by its id.
MESSAGE_NAMES = {
    "new_hearing": N_("New hearing, to followers"),
    "changed_hearing": N_("Hearing changed, to followers"),
    "deadline_soon": N_("Deadline soon, to followers"),
    "concluded": N_("Hearing concluded"),
    "cancelled": N_("Hearing cancelled"),
    "receipt": N_("Receipt for a response"),
    "declined": N_("Response declined"),
    "published": N_("Response published"),
    "redacted": N_("Response redacted"),
    "invitee_opened": N_("Hearing opened, to invitees"),
    "reviewer_added": N_("Added as reviewer"),
    "review_waiting": N_("Responses waiting for review"),
    "meeting_invitation": N_("Meeting invitation"),
    "meeting_reminder": N_("Meeting reminder"),
    "meeting_changed": N_("Meeting changed"),
    "meeting_cancelled": N_("Meeting cancelled"),
    "digest": N_("Digest, to owners"),
}
LANGUAGE_NAMES = {"da": N_("Danish"), "en": N_("English")}
MESSAGE_FIELD_MESSAGES = {
    "subject": N_("Write the subject: at most 1,000 characters."),
    "html": N_("Write the HTML body: at most 100,000 characters."),
    "text": N_("Write the plain-text body: at most 100,000 characters."),
}


def message_name(visit: Visit, kind: str) -> str:
    return visit._(MESSAGE_NAMES[kind]) if kind in MESSAGE_NAMES else kind


def message_form(form: dict[str, str]) -> NotificationTemplateText:
    """The message form as the API's request; raises ValidationError naming the parts at fault.

    Browsers send a text area's lines ending in CR LF: stored as typed, every message would carry them."""
    return NotificationTemplateText.model_validate(
        {part: _lines(form.get(part, "")) for part in MESSAGE_FIELD_MESSAGES}
    )


def message_preview_form(form: dict[str, str]) -> NotificationTemplatePreview:
    """The same form as a preview: every part as typed, so an emptied part is named rather than replaced."""
    return NotificationTemplatePreview.model_validate(
        {part: _lines(form.get(part, "")) for part in MESSAGE_FIELD_MESSAGES}
    )


def _lines(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def message_errors(error: ValidationError | PortalError, visit: Visit) -> FormErrors:
    """Each part at fault by its field: a length rule by the field's message, a template that does not render
    against the sample values with the reason the check gives."""
    found: list[FieldError] = []
    if isinstance(error, ValidationError):
        for issue in error.errors():
            name = next((str(part) for part in issue["loc"] if part in MESSAGE_FIELD_MESSAGES), "subject")
            found.append(FieldError(name, visit._(MESSAGE_FIELD_MESSAGES[name])))
    else:
        for problem in error.problems or [FieldProblem("subject", error.detail)]:
            name = problem.field if problem.field in MESSAGE_FIELD_MESSAGES else "subject"
            if isinstance(error, message_admin.UnknownPlaceholder):
                text = visit._(
                    N_("This message has no value {placeholder}. The values it has are: {available}.")
                ).format(placeholder=error.placeholder, available=", ".join(error.available))
            else:
                reason = problem.message
                text = visit._(N_("This does not work with the sample values: {reason}")).format(reason=reason)
            found.append(FieldError(name, text))
    return FormErrors(list({(item.field, item.message): item for item in found}.values()))


@page("administration/beskeder")
def messages(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    listed = call(message_admin.list_notification_templates, admin).items
    rows = [(item, message_name(visit, item.kind), visit._(LANGUAGE_NAMES[item.language])) for item in listed]
    return render(visit, "admin_messages.html", rows=rows, done=done_text(visit))


def _message_page(
    visit: Visit,
    view: NotificationTemplateView,
    form: dict[str, str] | None,
    errors: FormErrors,
    preview: message_templates.Rendered | None = None,
    status: int = 200,
) -> func.HttpResponse:
    return render(
        visit,
        "admin_message.html",
        status,
        view=view,
        name=message_name(visit, view.kind),
        language_name=visit._(LANGUAGE_NAMES[view.language]),
        form=form if form is not None else {"subject": view.subject, "html": view.html, "text": view.text},
        variables=message_templates.variables(view.kind),
        errors=errors,
        preview=preview,
    )


@page("administration/beskeder/{kind}/{language}")
def message(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    kind, language = req.route_params["kind"], req.route_params["language"]
    view = call(message_admin.get_notification_template, admin, kind, language)
    return _message_page(visit, view, None, FormErrors())


@page("administration/beskeder/{kind}/{language}", "POST")
def save_message(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """Preview or save, by the button pressed; either way the typed text stays on the page when refused."""
    admin = _admin(who)
    kind, language = req.route_params["kind"], req.route_params["language"]
    view = call(message_admin.get_notification_template, admin, kind, language)
    form = form_of(req)
    typed = {part: form.get(part, "") for part in MESSAGE_FIELD_MESSAGES}
    try:
        if form.get("action") == "preview":
            shown = call(message_admin.preview_notification_template, admin, kind, language, message_preview_form(form))
            return _message_page(visit, view, typed, FormErrors(), shown)
        call(message_admin.put_notification_template, admin, kind, language, message_form(form))
    except (ValidationError, InvalidInput) as error:
        return _message_page(visit, view, typed, message_errors(error, visit), None, 422)
    return _done(visit, "/administration/beskeder", "message-saved")


@page("administration/beskeder/{kind}/{language}/standard")
def reset_message_page(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    """Asks first: the admins' own text is gone once the message is back to the built-in one."""
    admin = _admin(who)
    view = call(message_admin.get_notification_template, admin, req.route_params["kind"], req.route_params["language"])
    name, language_name = message_name(visit, view.kind), visit._(LANGUAGE_NAMES[view.language])
    return render(visit, "admin_message_reset.html", view=view, name=name, language_name=language_name)


@page("administration/beskeder/{kind}/{language}/standard", "POST")
def reset_message(req: func.HttpRequest, visit: Visit, who: Identity | None) -> func.HttpResponse:
    admin = _admin(who)
    call(message_admin.delete_notification_template, admin, req.route_params["kind"], req.route_params["language"])
    return _done(visit, "/administration/beskeder", "message-reset")
