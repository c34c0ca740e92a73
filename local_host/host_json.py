"""``host.json``, read once into a typed model: the parts of it the local host acts on.

The Functions host reads the same file; only the keys below change what the local host does, every other
key (logging, the extension bundle, ...) is accepted and left alone. A value of the wrong shape stops the
start with the key named (``host.json: extensions.http.routePrefix: ...``) instead of being ignored.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

HOST_JSON = "host.json"
DEFAULT_ROUTE_PREFIX = "api"
DEFAULT_FUNCTION_TIMEOUT = 600.0  # seconds; the Functions host's default functionTimeout on a dedicated plan
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2}(?:\.\d+)?)$")


class InvalidHostJson(ValueError):
    pass


def timespan_seconds(value: object) -> float | None:
    """``00:10:00`` or ``1.02:00:00`` (days first) as seconds; ``-1`` (no limit) as None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError('expected a timespan such as "00:10:00", or "-1" for no limit')
    text = value.strip()
    if text == "-1":
        return None
    found = _TIMESPAN.match(text)
    if found is None:
        raise ValueError(f'{value!r} is not a timespan such as "00:10:00" (days.hours:minutes:seconds)')
    days, hours, minutes, seconds = found.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


# Seconds, or None for "not set" and "no limit".
Timespan = Annotated[float | None, BeforeValidator(timespan_seconds)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class HttpOptions(_Section):
    route_prefix: str = Field(default=DEFAULT_ROUTE_PREFIX, alias="routePrefix")


class ServiceBusOptions(_Section):
    max_auto_lock_renewal_duration: Timespan = Field(default=None, alias="maxAutoLockRenewalDuration")


class Extensions(_Section):
    http: HttpOptions = HttpOptions()
    service_bus: ServiceBusOptions = Field(default=ServiceBusOptions(), alias="serviceBus")


class HostJson(_Section):
    function_timeout: Timespan = Field(default=None, alias="functionTimeout")
    extensions: Extensions = Extensions()

    @classmethod
    def read(cls, root: Path) -> HostJson:
        """The ``host.json`` in ``root``; the Functions host's defaults when there is none."""
        path = root / HOST_JSON
        if not path.is_file():
            return cls()
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as error:
            raise InvalidHostJson(f"{path}: not valid JSON: {error}") from None
        return cls.parse(document, source=str(path))

    @classmethod
    def parse(cls, document: object, source: str = HOST_JSON) -> HostJson:
        try:
            return cls.model_validate(document)
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in problem['loc']) or '(top level)'}: {problem['msg']}"
                for problem in error.errors(include_url=False)
            )
            raise InvalidHostJson(f"{source}: {problems}") from None

    @property
    def route_prefix(self) -> str:
        """``extensions.http.routePrefix`` without slashes; "" puts the functions at the root."""
        return self.extensions.http.route_prefix.strip("/")

    @property
    def lock_renewal_limit(self) -> float:
        """Seconds a queue message's lock is renewed for: ``maxAutoLockRenewalDuration``, else ``functionTimeout``."""
        for seconds in (self.extensions.service_bus.max_auto_lock_renewal_duration, self.function_timeout):
            if seconds is not None and seconds > 0:
                return seconds
        return DEFAULT_FUNCTION_TIMEOUT
