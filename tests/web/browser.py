"""The browser app in Debian's Chromium, driven by Playwright, with axe-core run in the page:
a real `devoops serve` over a store holding the test site (tests/web/support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from devoops.store import Store
from devoops.store.accounts import Accounts
from devoops.store.engine import sqlite_url

from .servers import Served
from .support import PASSWORD, Site, assess

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).with_name("axe.min.js")
"""axe-core from the npm registry, fetched and checked by `make test-assets`."""
SERIOUS = ("serious", "critical")


@dataclass
class Live:
    """A served site and the browser to visit it with."""

    server: Served
    site: Site
    browser: Any

    def page(self, who: str | None = None, scheme: str = "light") -> Any:
        """A new browser context (its own cookies, a light or dark colour scheme), signed in as
        `who` through the login form."""
        page = self.browser.new_context(base_url=self.server.base, color_scheme=scheme).new_page()
        page.on("dialog", lambda dialog: pytest.fail(f"a script opened a dialog: {dialog.message}"))
        if who is not None:
            page.goto("/login")
            page.get_by_label("Email").fill(self.site.users[who].email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/orgs**")
        return page


@pytest.fixture(scope="session", name="chromium")
def chromium_fixture() -> Iterator[Any]:
    """One browser for the session (tests/tiers.py puts its users in the chromium tier)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture(name="live")
def live_fixture(tmp_path: Path, chromium: Any) -> Iterator[Live]:
    store = Store(sqlite_url(tmp_path / ".devoops" / "devoops.db"))
    site = Site(Accounts(store))
    site.populate()
    assess(site)
    store.close()
    server = Served(tmp_path)
    try:
        yield Live(server, site, chromium)
    finally:
        server.stop()


def violations(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it stands, one line each."""
    assert AXE.is_file(), f"{AXE} is missing: make test-assets fetches it"
    page.evaluate(AXE.read_text())
    found = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} at {', '.join(v['nodes'][:3])}"
        for v in found
        if v["impact"] in SERIOUS
    ]
