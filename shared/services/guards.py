"""Loading a hearing on behalf of a viewer: what they may not see answers exactly like what is not there."""

from __future__ import annotations

from shared.domain import access
from shared.domain.access import Viewer
from shared.domain.errors import Forbidden, NotAuthenticated, NotFound
from shared.domain.hearing import Hearing
from shared.ports.documents import DocumentStore
from shared.services.repositories import HearingRepository, Loaded


def visible_hearing(store: DocumentStore, viewer: Viewer, hearing_id: str) -> Loaded[Hearing]:
    loaded = HearingRepository(store).get(hearing_id)
    ensure_visible(viewer, None if loaded is None else loaded.model)
    assert loaded is not None
    return loaded


def ensure_visible(viewer: Viewer, hearing: Hearing | None) -> Hearing:
    # 404, not 403, so a hearing's existence does not leak.
    if hearing is None or not access.may_view(viewer, hearing):
        raise NotFound("no such hearing", field="hearingId")
    return hearing


def managed_hearing(store: DocumentStore, viewer: Viewer, hearing_id: str) -> Loaded[Hearing]:
    if viewer.identity is None:
        raise NotAuthenticated("sign in to manage hearings")
    loaded = visible_hearing(store, viewer, hearing_id)
    if not access.may_manage(viewer, loaded.model):
        raise Forbidden("only the hearing's owner or an admin may do this")
    return loaded
