"""Functions route templates on Starlette's router: literal segments, ``{name}`` segments, a last ``{*rest}``.

Those are the forms the portal's routes use; a template with anything else (constraints such as
``{id:int}``, optional or default values, a parameter inside a segment) is refused when the host starts
rather than matched differently from Azure. A template becomes Starlette paths (``files/{*rest}`` is
``/files`` and ``/files/{rest:path}``), matched case-insensitively as the Functions host matches, tried
literal segments first so that ``hearings/mine`` wins over ``hearings/{id}`` whatever the registration order.

Paths are matched as ASP.NET Core matches them: the raw request path is percent-decoded once, segment by
segment, except that an encoded slash stays ``%2F`` so it can never split a segment (see ``decode_path``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import unquote

from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from local_host.problems import problem

_PARAMETER = re.compile(r"\{(\*?)([A-Za-z_][A-Za-z0-9_]*)\}")
_ENCODED_SLASH = re.compile(r"(%2[fF])")

# Lower ranks are tried first; compared segment by segment, a longer template before its own prefix.
_RANK_LITERAL = 1
_RANK_PARAMETER = 2
_RANK_CATCH_ALL = 3
_RANK_END = 10


# The leading segments a route is filed under when they are literal: the portal's routes share
# "api" and then spread over a dozen resources, so two narrow 171 routes to about ten.
_INDEXED_SEGMENTS = 2

R = TypeVar("R")


class UnsupportedRoute(ValueError):
    pass


def starlette_paths(template: str) -> list[str]:
    """The Starlette paths matching a Functions route template (``hearings/{id}`` -> ``/hearings/{id}``)."""
    segments = _segments(template)
    paths = [""]
    for index, segment in enumerate(segments):
        found = _PARAMETER.fullmatch(segment)
        if found is None:
            if "{" in segment or "}" in segment:
                raise UnsupportedRoute(
                    f"route {template!r}: only {{name}} and a last {{*rest}} segment are supported, not {segment!r}"
                )
            paths[-1] += "/" + segment
        elif found.group(1):
            if index != len(segments) - 1:
                raise UnsupportedRoute(f"route {template!r}: a catch-all parameter must be the last segment")
            # The catch-all may be empty, slash included: one path without it, one with it.
            paths.append(f"{paths[-1]}/{{{found.group(2)}:path}}")
        else:
            paths[-1] += f"/{{{found.group(2)}}}"
    return [path or "/" for path in paths]


def precedence(template: str) -> tuple[int, ...]:
    """Sort key: literal segments before parameters, parameters before a catch-all."""
    ranks = []
    for segment in _segments(template):
        found = _PARAMETER.fullmatch(segment)
        ranks.append(_RANK_LITERAL if found is None else _RANK_CATCH_ALL if found.group(1) else _RANK_PARAMETER)
    return (*ranks, _RANK_END)


class FunctionRoute(Route):
    """A Starlette route for one HTTP function: case-insensitive, exactly its methods, 404 for any other."""

    def __init__(self, path: str, endpoint: Callable[..., Any], methods: tuple[str, ...]) -> None:
        super().__init__(path, endpoint, methods=methods or None)
        # Only the methods the function lists (Starlette would add HEAD to GET); none listed means every method.
        self.methods = set(methods) or None
        self.path_regex = re.compile(self.path_regex.pattern, re.IGNORECASE)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.methods and scope["method"] not in self.methods:
            # The Functions host answers 404, not 405, for a method no function at this path takes.
            await problem(404)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class RouteIndex(Generic[R]):
    """Which routes a path can match, picked by its segment count and leading segments before any
    pattern is tried: a request on the last of 171 routes would otherwise run up to 171 regular
    expressions (some 70 µs on the intake's path, every time).

    A route whose leading segments are literal and that has no catch-all can only match a path with
    its number of segments beginning with those literals (case-insensitively); every other route is a
    candidate for every path. Each group keeps the routes in their precedence order, so a path
    reaches exactly the route (and for a method no route takes, the 404) the whole list gives it.
    """

    def __init__(self, routes: Sequence[Route], group: Callable[[list[Route]], R]) -> None:
        filed: dict[tuple[object, ...], list[int]] = {}
        general: list[int] = []
        for position, route in enumerate(routes):
            key = _literal_key(route.path)
            (general if key is None else filed.setdefault(key, [])).append(position)
        self._groups = {
            key: group([routes[position] for position in sorted(positions + general)])
            for key, positions in filed.items()
        }
        self._general = group([routes[position] for position in general])

    def for_path(self, path: str) -> R:
        segments = path.lstrip("/").split("/")
        if len(segments) < _INDEXED_SEGMENTS:
            return self._general
        key = (len(segments), *(segment.casefold() for segment in segments[:_INDEXED_SEGMENTS]))
        return self._groups.get(key, self._general)


def _literal_key(path: str) -> tuple[object, ...] | None:
    """(segment count, first literal segments) of a Starlette path, or None where it varies."""
    segments = path.lstrip("/").split("/")
    if len(segments) < _INDEXED_SEGMENTS or any(":path}" in segment for segment in segments):
        return None
    leading = segments[:_INDEXED_SEGMENTS]
    if any("{" in segment for segment in leading):
        return None
    return (len(segments), *(segment.casefold() for segment in leading))


def decode_path(raw_path: str) -> str:
    """A raw request path decoded once per segment, ``%2F`` kept as it is (``a%252E/b%2Fc`` -> ``a%2E/b%2Fc``)."""
    return "/".join(_decode_segment(segment) for segment in raw_path.split("/"))


def _decode_segment(segment: str) -> str:
    # Odd positions of the split are the encoded slashes themselves.
    parts = _ENCODED_SLASH.split(segment)
    return "".join(part if index % 2 else unquote(part) for index, part in enumerate(parts))


def _segments(template: str) -> list[str]:
    text = template.strip().strip("/")
    return text.split("/") if text else []
