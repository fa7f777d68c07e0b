"""The browser app as people use it, in Chromium: axe-core finds no serious or critical
violation on any page a role reaches, a viewer is offered no edit and is refused one made by
hand, an organisation never sees another's, and markup typed into a field stays text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .browser import Live, chromium_fixture, live_fixture, violations  # noqa: F401  (the fixtures)
from .support import csrf_of

XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def pages(live: Live) -> list[str]:
    org, app = live.site.org_a, live.site.app_a
    workspace = [f"/orgs/{org}/apps/{app}/{page}" for page in ("workspace", "practices", "inventory")]
    return [
        "/orgs",
        f"/orgs/{org}",
        f"/orgs/{org}/apps/{app}",
        f"/orgs/{org}/audit",
        "/account/password",
        *workspace,
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_page_has_a_serious_accessibility_violation(live: Live, scheme: str) -> None:
    anonymous = live.page(scheme=scheme)
    for path in ("/login", "/join/not-a-token"):
        anonymous.goto(path)
        assert violations(anonymous) == [], path
    owner = live.page("owner", scheme)
    for path in [*pages(live), f"/orgs/{live.site.org_a}/members"]:
        owner.goto(path)
        assert violations(owner) == [], path


def test_a_viewer_is_offered_no_edit_and_a_forged_one_is_refused(live: Live) -> None:
    viewer = live.page("viewer")
    for path in pages(live):
        viewer.goto(path)
        forms = viewer.locator("main form").count()
        assert forms == 0 or path in ("/orgs", "/account/password"), (path, forms)  # their own
    viewer.goto(f"/orgs/{live.site.org_a}")
    token = csrf_of(viewer.content())
    forged = viewer.request.post(f"/orgs/{live.site.org_a}/apps", form={"csrf": token, "name": "mine"})
    assert forged.status == 403
    assert [a.name for a in live.site.accounts.apps(live.site.org_a)] == ["shop"]


def test_an_organisation_never_sees_another(live: Live) -> None:
    other = live.page("other")  # the owner of organisation B
    other.goto("/orgs")
    assert "Org B" in other.content() and "Org A" not in other.content()
    for path in pages(live)[1:4]:
        response = other.goto(path)
        assert response is not None and response.status == 404, path
        assert "shop" not in other.content()


def test_markup_typed_into_a_field_stays_text(live: Live) -> None:
    owner = live.page("owner")
    owner.goto(f"/orgs/{live.site.org_a}")
    owner.get_by_label("Name").fill(XSS)
    owner.get_by_role("button", name="Add").click()
    owner.get_by_role("link", name=XSS).wait_for()  # htmx swaps the page in after the load event
    shown: Any = owner.evaluate("window.__xss")
    assert shown is None
    assert XSS in owner.locator("main").inner_text()


def test_an_engineer_records_a_practice_and_uploads_an_inventory(live: Live) -> None:
    from devoops.store.workloads import Workloads

    org, app = live.site.org_a, live.site.app_a
    engineer = live.page("engineer")
    engineer.goto(f"/orgs/{org}/apps/{app}/practices")
    offsite = engineer.locator('article[id="backups.offsite"]')
    offsite.get_by_role(
        "button", name="Copied to a separate account with separate credentials", exact=False
    ).first.click()
    engineer.wait_for_selector('article[id="backups.offsite"] li.current')
    assert engineer.locator('article[id="backups.offsite"] li.current').count() == 1
    engineer.goto(f"/orgs/{org}/apps/{app}/inventory")
    engineer.get_by_label("Terraform state").check()
    state = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "aws.json"
    engineer.get_by_label("File").set_input_files(str(state))
    engineer.get_by_role("button", name="Upload").click()
    engineer.wait_for_selector("table caption:has-text('Components')")
    versions = Workloads(live.site.accounts.store).versions(org, app)
    assert [v.summary for v in versions][0] == "inventory from aws.json: " + versions[0].summary.split(": ")[
        1
    ]
    assert "backups.offsite" in versions[1].summary
