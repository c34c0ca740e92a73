"""A jinja2 sandbox that also bounds how much an admin's template may make.

jinja2's sandbox keeps a template away from Python's internals, but not from work: ``"a"|center(999999999)``
builds a gigabyte and took half a minute, ``"a" * 10**9`` the same, and a saved message text runs for
every notification sent. Here every filter's numbers (widths, counts) are bounded, so is the text a
filter, ``*``, ``%`` or ``**`` may make, and ``range`` stops at a thousand. What passes the bounds is
what any message needs; what does not is refused as the sandbox refuses an attribute, with a
``SecurityError`` that the admin's page shows next to the part at fault.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Sized
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

MAX_NUMBER = 10_000  # a width, a count, a length asked of a filter
MAX_TEXT = 200_000  # characters a filter or an operator may make: twice the longest template's source
MAX_RANGE = 1_000  # items in a range() (the sandbox's own limit is 100,000)
MAX_EXPONENT = 64
_FORMAT_WIDTH = re.compile(r"%[-+ #0]*(\d+)")


class BoundedSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "%", "**"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters = {name: _bounded(name, function) for name, function in self.filters.items()}
        self.globals["range"] = _range

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
            return left * right
        if operator_name == "%":
            if isinstance(left, str):
                _check_numbers(int(width) for width in _FORMAT_WIDTH.findall(left))
            return _checked_text(operator.mod(left, right))
        if operator_name == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"an exponent above {MAX_EXPONENT} is not allowed in a template")
            return left**right
        return super().call_binop(context, operator_name, left, right)


def _bounded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)  # keeps jinja2's pass_context marks
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _check_numbers([*args[1:], *kwargs.values()])
        if name == "replace" and len(args) >= 3:
            _check_replacement(*args[:3])
        return _checked_text(function(*args, **kwargs))

    return bounded


def _check_numbers(values: Any) -> None:
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            raise SecurityError(f"a number above {MAX_NUMBER} is not allowed in a template")


def _check_repeat(sequence: Any, times: Any) -> None:
    if isinstance(sequence, Sized) and isinstance(times, int) and len(sequence) * times > MAX_TEXT:
        raise SecurityError(f"a text or list longer than {MAX_TEXT} is not allowed in a template")


def _check_replacement(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        found = text.count(old) if old else len(text) + 1
        if len(text) + found * len(new) > MAX_TEXT:
            raise SecurityError(f"a text longer than {MAX_TEXT} is not allowed in a template")


def _checked_text(result: Any) -> Any:
    if isinstance(result, str) and len(result) > MAX_TEXT:
        raise SecurityError(f"a text longer than {MAX_TEXT} is not allowed in a template")
    return result


def _range(*args: int) -> range:
    made = range(*args)
    if len(made) > MAX_RANGE:
        raise SecurityError(f"a range of more than {MAX_RANGE} items is not allowed in a template")
    return made
