"""A real browser (Debian's Chromium, driven by Playwright) against the local host, and axe-core in it."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
AXE = (REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"


def chromium() -> Iterator[Browser]:
    """Debian's Chromium with a fresh temporary profile; each test then opens contexts that share nothing."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def fresh_context(browser: Browser, **options: Any) -> Iterator[BrowserContext]:
    """No cookie or cache from another context: a second person at another computer."""
    context = browser.new_context(**options)
    try:
        yield context
    finally:
        context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now.

    Evaluated through the DevTools protocol, so the page's Content-Security-Policy needs no exception.
    """
    page.evaluate(AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(r => JSON.stringify(r.violations))",
        WCAG_21_AA,
    )
    violations: list[dict[str, Any]] = json.loads(result)
    return violations


def described(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:3]}" for v in violations
    )


def scrolls_sideways(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"))


@dataclass(frozen=True)
class Reflow:
    """A window every page must fit without scrolling sideways (WCAG 1.4.10 reflow)."""

    name: str
    width: int  # CSS pixels
    scale: int  # device pixels per CSS pixel: 2 is a browser zoomed to 200%

    def __str__(self) -> str:
        return self.name


# 320 CSS pixels wide, and a 1280-pixel window at 200% zoom, which leaves 640 CSS pixels.
REFLOW_VIEWPORTS = (Reflow("320 CSS pixels", 320, 1), Reflow("200% zoom (640 CSS pixels)", 640, 2))


@contextmanager
def reflow_page(browser: Browser, reflow: Reflow) -> Iterator[Page]:
    """A page in a fresh context with the window of ``reflow``."""
    with fresh_context(
        browser, viewport={"width": reflow.width, "height": 800}, device_scale_factor=reflow.scale
    ) as context:
        yield context.new_page()


def pages_that_scroll_sideways(
    browser: Browser,
    base_url: str,
    paths: list[str],
    persona_label: str | None = None,
    not_found: Collection[str] = (),
) -> list[str]:
    """Each of ``paths`` in each reflow window, signed in as the persona if one is named; those that scroll sideways.

    Every path is checked, so one run names all the pages to fix. Each answers 200, but those in ``not_found``
    (the 404 page fits too), so a mistyped path cannot pass as the 404 page.
    """
    found = []
    for reflow in REFLOW_VIEWPORTS:
        with reflow_page(browser, reflow) as page:
            if persona_label is not None:
                sign_in(page, base_url, persona_label, paths[0])
            for path in paths:
                answer = page.goto(base_url + path)
                expected = 404 if path in not_found else 200
                assert answer is not None and answer.status == expected, f"{path}: {answer and answer.status}"
                if scrolls_sideways(page):
                    found.append(f"{path} at {reflow}")
    return found


def sign_in(page: Page, base_url: str, persona_label: str, return_to: str = "/") -> None:
    """Through the development issuer's persona chooser (the local stand-in for MitID)."""
    page.goto(f"{base_url}/log-ind?til={return_to}")
    page.get_by_role("button", name=persona_label).click()
    page.wait_for_url(f"{base_url}{return_to.split('#')[0]}*")


def screenshot(page: Page, name: str) -> None:
    """``docs/screenshots/<name>.png`` for the README, taken only when asked (``UPDATE_SCREENSHOTS=1``).

    So a test run leaves the tree as it was.
    """
    if os.environ.get("UPDATE_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
