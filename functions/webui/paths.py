"""Where the portal may send a visitor back to: only a path on this site, as a browser will read it."""

from __future__ import annotations

import re

# A browser reads a backslash as a slash and drops tabs and line breaks before it follows an address,
# so "/\evil.example" and "/<tab>/evil.example" lead to another site just as "//evil.example" does.
# Any control character or backslash is refused rather than cleaned: no page of the portal has one.
_UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def on_this_site(wanted: str | None, fallback: str = "/") -> str:
    """``wanted`` when it is a path on this site, else ``fallback``."""
    if wanted and wanted.startswith("/") and not wanted.startswith("//") and not _UNSAFE.search(wanted):
        return wanted
    return fallback
