"""Copies DKFDS (npm ``dkfds``) into ``functions/webui/static/dkfds``: its CSS, JavaScript, icons and fonts.

Only what the pages load is copied. Fonts: DKFDS declares the complete IBM Plex Sans faces (about 57 KB
each); after them this adds the Latin-1 subsets it ships (about 17 KB each) with a ``unicode-range``, so a
browser fetches the small faces for Danish and English text and the complete ones only for other scripts.
Run by ``make install``; the folder is generated, never committed.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "node_modules" / "dkfds" / "dist"
TARGET = ROOT / "functions" / "webui" / "static" / "dkfds"
LATIN1 = "U+0000-00FF, U+0131, U+0152-0153, U+02C6, U+02DA, U+02DC, U+2000-206F, U+20AC, U+2122"
FACES = {400: "Regular", 500: "Medium", 600: "SemiBold", 700: "Bold"}


def build() -> None:
    if not SOURCE.is_dir():
        sys.exit(f"{SOURCE} is missing: run npm ci first")
    if TARGET.exists():
        shutil.rmtree(TARGET)
    (TARGET / "css").mkdir(parents=True)
    css = (SOURCE / "css" / "dkfds.min.css").read_text(encoding="utf-8")
    (TARGET / "css" / "dkfds.min.css").write_text(css + latin1_faces(), encoding="utf-8")
    shutil.copytree(SOURCE / "js", TARGET / "js", ignore=shutil.ignore_patterns("*.map", "dkfds.js"))
    shutil.copytree(SOURCE / "img", TARGET / "img", ignore=shutil.ignore_patterns("*.png"))
    fonts = SOURCE / "fonts" / "IBMPlexSans"
    shutil.copytree(fonts / "complete" / "woff2", TARGET / "fonts" / "IBMPlexSans" / "complete" / "woff2")
    split = TARGET / "fonts" / "IBMPlexSans" / "split" / "woff2"
    split.mkdir(parents=True)
    for name in FACES.values():
        shutil.copy2(fonts / "split" / "woff2" / f"IBMPlexSans-{name}-Latin1.woff2", split)
    version = json.loads((SOURCE.parent / "package.json").read_text(encoding="utf-8"))["version"]
    (TARGET / "VERSION").write_text(version + "\n", encoding="utf-8")
    print(f"DKFDS {version} copied to {TARGET.relative_to(ROOT)}")


def latin1_faces() -> str:
    rules = [
        "@font-face{font-display:swap;font-family:IBM Plex Sans;font-style:normal;"
        f"font-weight:{weight};src:url(../fonts/IBMPlexSans/split/woff2/IBMPlexSans-{name}-Latin1.woff2) "
        f'format("woff2");unicode-range:{LATIN1}}}'
        for weight, name in FACES.items()
    ]
    return "\n" + "\n".join(rules) + "\n"


if __name__ == "__main__":
    build()
