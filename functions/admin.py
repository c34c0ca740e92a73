"""Reference data admins manage: hearing templates, subject and city areas, KLE numbers, the terms
respondents accept, the blacklisted terms screening flags; and who owns which hearing.

Routes start with ``management/``: the Functions host refuses any route starting with ``admin``
(it keeps that prefix for its own API, whatever the route prefix), so ``/api/admin/...`` cannot be deployed.
"""

from __future__ import annotations

from typing import Annotated

import azure.functions as func

from functions.http import Body, Query, http_function
from shared.bootstrap import call
from shared.domain.errors import InvalidInput
from shared.domain.identity import Identity
from shared.domain.reference import (
    Area,
    AreaName,
    Blacklist,
    BlacklistTerms,
    HearingTemplate,
    KleEntry,
    KleImport,
    KleTitle,
    OwnerChange,
    TemplateRequest,
    Terms,
    TermsText,
)
from shared.services import blacklist, owners, reference_data, terms
from shared.services.hearing_api import HearingPage, HearingView
from shared.services.reference_data import AreaList, KleImported, KleList, TemplateList
from shared.services.terms import TermsList

bp = func.Blueprint()
TAG = "Administration"


@http_function(bp, "GET", "terms/current", summary="The current terms", tag=TAG, calls=terms.get_current_terms)
def current_terms() -> Terms:
    return call(terms.get_current_terms)


@http_function(bp, "GET", "management/terms", summary="Every version of the terms", tag=TAG, calls=terms.list_terms)
def list_terms(who: Identity) -> TermsList:
    return call(terms.list_terms, who)


@http_function(
    bp,
    "PUT",
    "management/terms",
    summary="Publish the next terms",
    tag=TAG,
    calls=terms.publish_terms,
)
def publish_terms(who: Identity, request: TermsText) -> Terms:
    return call(terms.publish_terms, who, request)


@http_function(
    bp, "GET", "management/blacklist", summary="Terms screening flags (admins)", tag=TAG, calls=blacklist.get_blacklist
)
def get_blacklist(who: Identity) -> Blacklist:
    return call(blacklist.get_blacklist, who)


@http_function(
    bp,
    "PUT",
    "management/blacklist",
    summary="Replace the terms screening flags (admins; audited)",
    tag=TAG,
    calls=blacklist.put_blacklist,
)
def put_blacklist(who: Identity, request: BlacklistTerms) -> Blacklist:
    return call(blacklist.put_blacklist, who, request)


# -- hearing templates -----------------------------------------------------------------------------------


@http_function(
    bp,
    "GET",
    "management/templates",
    summary="Hearing templates (admins, and employees who create hearings)",
    tag=TAG,
    calls=reference_data.list_templates,
)
def list_templates(who: Identity) -> TemplateList:
    return call(reference_data.list_templates, who)


@http_function(
    bp,
    "GET",
    "management/templates/{template_id}",
    summary="One hearing template",
    tag=TAG,
    calls=reference_data.get_template,
)
def get_template(who: Identity, template_id: str) -> HearingTemplate:
    return call(reference_data.get_template, who, template_id)


@http_function(
    bp,
    "PUT",
    "management/templates/{template_id}",
    summary="Create or change a hearing template (admins; audited)",
    tag=TAG,
    calls=reference_data.put_template,
)
def put_template(who: Identity, template_id: str, request: TemplateRequest) -> HearingTemplate:
    return call(reference_data.put_template, who, template_id, request)


# -- subject areas and city areas --------------------------------------------------------------------------


@http_function(
    bp,
    "GET",
    "management/areas/{kind}",
    summary="Subject areas (subject-area) or city areas (city-area)",
    tag=TAG,
    calls=reference_data.list_areas,
)
def list_areas(who: Identity, kind: str) -> AreaList:
    return call(reference_data.list_areas, who, kind)


@http_function(
    bp,
    "PUT",
    "management/areas/{kind}/{area_id}",
    summary="Add or rename an area (admins; audited)",
    tag=TAG,
    calls=reference_data.put_area,
)
def put_area(who: Identity, kind: str, area_id: str, request: AreaName) -> Area:
    return call(reference_data.put_area, who, kind, area_id, request)


@http_function(
    bp,
    "DELETE",
    "management/areas/{kind}/{area_id}",
    summary="Remove an area no hearing uses (admins; audited)",
    tag=TAG,
    status=204,
    calls=reference_data.remove_area,
)
def remove_area(who: Identity, kind: str, area_id: str) -> None:
    call(reference_data.remove_area, who, kind, area_id)


# -- KLE numbers -----------------------------------------------------------------------------------------


@http_function(
    bp, "GET", "management/kle", summary="The KLE numbers the portal offers", tag=TAG, calls=reference_data.list_kle
)
def list_kle(who: Identity) -> KleList:
    return call(reference_data.list_kle, who)


def _kle_from_csv(req: func.HttpRequest) -> KleImport:
    try:
        text = req.get_body().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the CSV file must be UTF-8", field="body") from None
    return reference_data.kle_rows_from_csv(text)


def _kle_from_upload(req: func.HttpRequest) -> KleImport:
    """A form with the CSV file in its ``file`` field."""
    for name, upload in req.files.items():
        if name == "file":
            try:
                return reference_data.kle_rows_from_csv(upload.stream.read().decode("utf-8-sig"))
            except UnicodeDecodeError:
                raise InvalidInput("the CSV file must be UTF-8", field="file") from None
    raise InvalidInput("send the CSV file in the form field named file", field="file")


@http_function(
    bp,
    "POST",
    "management/kle/import",
    summary="Import KLE numbers and titles (JSON rows, a CSV file, or a form upload; all rows or none; audited)",
    tag=TAG,
    calls=reference_data.import_kle,
)
def import_kle(
    who: Identity,
    request: Annotated[KleImport, Body(parsers={"text/csv": _kle_from_csv, "multipart/form-data": _kle_from_upload})],
) -> KleImported:
    return call(reference_data.import_kle, who, request)


@http_function(
    bp,
    "PUT",
    "management/kle/{number}",
    summary="Offer a KLE number, or change its title (admins; audited)",
    tag=TAG,
    calls=reference_data.put_kle,
)
def put_kle(who: Identity, number: str, request: KleTitle) -> KleEntry:
    return call(reference_data.put_kle, who, number, request)


@http_function(
    bp,
    "DELETE",
    "management/kle/{number}",
    summary="Stop offering a KLE number (admins; audited)",
    tag=TAG,
    status=204,
    calls=reference_data.remove_kle,
)
def remove_kle(who: Identity, number: str) -> None:
    call(reference_data.remove_kle, who, number)


# -- owners ----------------------------------------------------------------------------------------------


@http_function(
    bp,
    "GET",
    "management/hearings",
    summary="The hearings an employee owns, in every state (admins)",
    tag=TAG,
    calls=owners.hearings_of_owner,
)
def hearings_of_owner(
    who: Identity,
    owner: Annotated[str | None, Query(description="the owner's portal user id or e-mail address")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    continuation: Annotated[str | None, Query(description="token from the previous page")] = None,
) -> HearingPage:
    return call(owners.hearings_of_owner, who, owner, limit, continuation)


@http_function(
    bp,
    "PUT",
    "management/hearings/{hearing_id}/owner",
    summary="Move a hearing to another employee (admins; in the hearing's audit trail)",
    tag=TAG,
    calls=owners.move_hearing,
)
def move_hearing(who: Identity, hearing_id: str, request: OwnerChange) -> HearingView:
    return call(owners.move_hearing, who, hearing_id, request)
