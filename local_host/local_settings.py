"""Core Tools-style settings: ``local.settings.json`` Values become environment variables; ``Host`` sets CORS."""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path

SETTINGS_FILE = "local.settings.json"
SAMPLE_SETTINGS_FILE = "local.settings.sample.json"


def find_settings_file(root: Path) -> Path | None:
    """The developer's own settings if present, else the committed sample."""
    for name in (SETTINGS_FILE, SAMPLE_SETTINGS_FILE):
        candidate = root / name
        if candidate.is_file():
            return candidate
    return None


def read_values(path: Path) -> dict[str, str]:
    document = json.loads(path.read_text(encoding="utf-8"))
    values = document.get("Values", {}) if isinstance(document, dict) else {}
    if not isinstance(values, dict):
        raise ValueError(f"{path}: 'Values' must be an object")
    # Core Tools passes every value as a string; a JSON true or 5 becomes "true" / "5".
    return {str(key): _as_text(value) for key, value in values.items() if value is not None}


@dataclass(frozen=True)
class CorsSettings:
    """``Host.CORS`` (comma-separated origins, ``*`` for any) and ``Host.CORSCredentials``, as Core Tools reads them."""

    origins: tuple[str, ...] = ()
    credentials: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.origins)


def read_cors(path: Path | None) -> CorsSettings:
    if path is None:
        return CorsSettings()
    document = json.loads(path.read_text(encoding="utf-8"))
    host = document.get("Host", {}) if isinstance(document, dict) else {}
    if not isinstance(host, dict):
        raise ValueError(f"{path}: 'Host' must be an object")
    origins = tuple(origin.strip().rstrip("/") for origin in str(host.get("CORS") or "").split(",") if origin.strip())
    credentials = host.get("CORSCredentials", False)
    if isinstance(credentials, str):
        credentials = credentials.strip().lower() == "true"
    return CorsSettings(origins, bool(credentials))


def apply_values(values: dict[str, str], environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set each value unless the variable is already set, as Core Tools does; returns the names applied."""
    target = os.environ if environ is None else environ
    applied = []
    for key, value in values.items():
        if key not in target:
            target[key] = value
            applied.append(key)
    return applied


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)
