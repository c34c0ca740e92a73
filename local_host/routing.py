"""Functions (ASP.NET-style) route templates: ``hearings/{id:guid}``, ``files/{*path}``, ``items/{page:int?}``.

Templates compile to regular expressions; routes are tried most specific first (literal segments before
parameters, constrained parameters before plain ones, catch-alls last), as the Functions host does, so
``hearings/mine`` wins over ``hearings/{id}`` whatever order the functions were registered in.

Paths are matched as ASP.NET Core matches them: the raw request path is percent-decoded once, segment by
segment, except that an encoded slash stays ``%2F`` so it can never split a segment (see ``decode_path``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

_PARAMETER = re.compile(r"\{([^{}]+)\}")
_ENCODED_SLASH = re.compile(r"(%2[fF])")

# Constraints the portal is likely to use; the others only bind any non-empty value.
_CONSTRAINT_PATTERNS = {
    "int": r"-?\d+",
    "long": r"-?\d+",
    "bool": r"(?i:true|false)",
    "guid": r"(?i:\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?)",
    "alpha": r"[A-Za-z]+",
    "float": r"-?\d+(?:\.\d+)?",
    "double": r"-?\d+(?:\.\d+)?",
    "decimal": r"-?\d+(?:\.\d+)?",
}

# Lower ranks win; compared segment by segment.
_RANK_LITERAL = 1
_RANK_CONSTRAINED = 2
_RANK_PARAMETER = 3
_RANK_OPTIONAL = 4
_RANK_CATCH_ALL = 5


@dataclass(frozen=True)
class Parameter:
    name: str
    constraints: tuple[str, ...] = ()
    optional: bool = False
    catch_all: bool = False
    default: str | None = None


@dataclass
class RouteTemplate:
    template: str
    pattern: re.Pattern[str]
    parameters: list[Parameter] = field(default_factory=list)
    ranks: tuple[int, ...] = ()

    @classmethod
    def parse(cls, template: str) -> RouteTemplate:
        text = template.strip().strip("/")
        segments = text.split("/") if text else []
        regex = ""
        parameters: list[Parameter] = []
        ranks: list[int] = []
        for index, segment in enumerate(segments):
            whole = _PARAMETER.fullmatch(segment)
            if whole:
                parameter = _parse_parameter(whole.group(1))
                parameters.append(parameter)
                is_last = index == len(segments) - 1
                if parameter.catch_all and not is_last:
                    raise ValueError(f"route {template!r}: a catch-all parameter must be the last segment")
                value = _value_pattern(parameter)
                if (parameter.optional or parameter.catch_all or parameter.default is not None) and is_last:
                    # The whole segment, slash included, may be missing.
                    regex += f"(?:/{value})?"
                else:
                    regex += f"/{value}"
                ranks.append(_rank(parameter))
                continue
            regex += "/" + _mixed_segment(segment, parameters)
            ranks.append(_RANK_LITERAL if not _PARAMETER.search(segment) else _RANK_CONSTRAINED)
        pattern = re.compile(f"^{regex}/?$", re.IGNORECASE) if regex else re.compile("^/?$")
        return cls(template, pattern, parameters, tuple(ranks))

    def match(self, path: str) -> dict[str, str] | None:
        """Route values for a decoded path relative to the route prefix (``/hearings/1``), or None.

        ``path`` is already decoded (``decode_path``); the values are taken from it as they are.
        """
        found = self.pattern.match(path if path.startswith("/") else "/" + path)
        if found is None:
            return None
        values: dict[str, str] = {}
        for parameter in self.parameters:
            raw = found.group(_group_name(parameter.name))
            if raw is not None and raw != "":
                values[parameter.name] = raw
            elif parameter.default is not None:
                values[parameter.name] = parameter.default
        return values

    def precedence(self) -> tuple[Any, ...]:
        # More segments first when one route's ranks are a prefix of another's.
        return (*self.ranks, 10)


def decode_path(raw_path: str) -> str:
    """A raw request path decoded once per segment, ``%2F`` kept as it is (``a%252E/b%2Fc`` -> ``a%2E/b%2Fc``)."""
    return "/".join(_decode_segment(segment) for segment in raw_path.split("/"))


def _decode_segment(segment: str) -> str:
    # Odd positions of the split are the encoded slashes themselves.
    parts = _ENCODED_SLASH.split(segment)
    return "".join(part if index % 2 else unquote(part) for index, part in enumerate(parts))


def _parse_parameter(body: str) -> Parameter:
    catch_all = body.startswith("*")
    body = body.lstrip("*")
    default: str | None = None
    if "=" in body:
        body, default = body.split("=", 1)
    optional = body.endswith("?")
    body = body.rstrip("?")
    name, *constraints = _split_constraints(body)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"unsupported route parameter name {name!r}")
    return Parameter(name, tuple(constraints), optional, catch_all, default)


def _split_constraints(body: str) -> list[str]:
    # Split on ':' outside parentheses, so regex(a:b) stays whole.
    parts, depth, current = [], 0, ""
    for char in body:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == ":" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def _value_pattern(parameter: Parameter) -> str:
    if parameter.catch_all:
        body = ".*"
    else:
        body = "[^/]+"
        for constraint in parameter.constraints:
            known = _CONSTRAINT_PATTERNS.get(constraint.lower())
            if known:
                body = known
            elif constraint.lower().startswith("regex(") and constraint.endswith(")"):
                body = f"(?:{constraint[6:-1]})"
    return f"(?P<{_group_name(parameter.name)}>{body})"


def _mixed_segment(segment: str, parameters: list[Parameter]) -> str:
    """A segment mixing literals and parameters, such as ``{name}.{ext}``."""
    regex, position = "", 0
    for found in _PARAMETER.finditer(segment):
        regex += re.escape(segment[position : found.start()])
        parameter = _parse_parameter(found.group(1))
        parameters.append(parameter)
        value = _value_pattern(parameter)  # greedy: the last literal splits, as ASP.NET matches right to left
        regex += f"(?:{value})?" if parameter.optional else value
        position = found.end()
    return regex + re.escape(segment[position:])


def _rank(parameter: Parameter) -> int:
    if parameter.catch_all:
        return _RANK_CATCH_ALL
    if parameter.optional or parameter.default is not None:
        return _RANK_OPTIONAL
    if parameter.constraints:
        return _RANK_CONSTRAINED
    return _RANK_PARAMETER


def _group_name(name: str) -> str:
    return f"p_{name}"
