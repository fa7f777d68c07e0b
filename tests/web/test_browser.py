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
    wizard = [f"/orgs/{org}/apps/{app}/wizard{page}" for page in ("", "/1", "/2", "/3", "/4", "/5", "/6")]
    saved = [
        f"/orgs/{org}/apps/{app}/{page}"
        for page in ("verdict", f"assessments/{live.site.assessment_a}", "history", "diff")
    ]
    return [
        "/orgs",
        f"/orgs/{org}",
        f"/orgs/{org}/apps/{app}",
        f"/orgs/{org}/audit",
        "/account/password",
        *workspace,
        *wizard,
        f"/orgs/{org}/apps/{app}/quiz",
        *saved,
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


def test_a_founder_answers_the_six_questions_and_reads_the_one_page_verdict(live: Live) -> None:
    from devoops.lens import load_lens
    from devoops.report.verdict import verdict

    org, app = live.site.org_a, live.site.app_a
    founder = live.page("founder")
    founder.goto(f"/orgs/{org}/apps/{app}")
    founder.get_by_role("link", name="Continue the six questions").click()
    founder.get_by_role("link", name="Start with question 1").click()
    founder.get_by_label("First customers").check()
    founder.get_by_label("Which currency do you count in?").fill("EUR")
    founder.get_by_label("What does one hour of the application being down cost you?").fill("400")
    founder.keyboard.press("Tab")  # a change shows its consequence at once, saving nothing
    founder.locator("#consequence", has_text="not saved yet").wait_for()
    assert "At 400 EUR an hour" in founder.locator("#consequence").inner_text()
    assert founder.url.endswith("/wizard/1")
    save_and_wait(founder, 1)
    consequence = founder.locator("#consequence").inner_text()
    assert "At 400 EUR an hour, 99.9 % is the cheapest total: at most 43.2 min down a month." in consequence
    assert "(cheapest)" in founder.locator("table.tiers tr.cheapest").inner_text()
    founder.get_by_role("link", name="Next: question 2").click()
    founder.get_by_label("Visitors a day").check()
    founder.get_by_label("How many on a normal day?").fill("20000")
    save_and_wait(founder, 2)
    assert (
        "20,000 visitors a day is about 11.1 requests a second"
        in founder.locator("#consequence").inner_text()
    )
    founder.get_by_role("link", name="Next: question 3").click()
    founder.get_by_label("Instant").check()
    save_and_wait(founder, 3)
    founder.get_by_role("link", name="Back: question 2").click()  # back works, the answer kept
    assert founder.get_by_label("How many on a normal day?").input_value() == "20000"
    founder.go_back()  # and the browser's own back returns to question 3
    founder.wait_for_url("**/wizard/3*")
    founder.get_by_role("link", name="Next: question 4").click()
    founder.locator('input[name="dataset.0.name"]').fill("orders")
    founder.locator('input[name="dataset.0.rpo_minutes"]').fill("none")
    founder.locator('input[name="dataset.0.rto_minutes"]').fill("2 h")
    save_and_wait(founder, 4)
    assert "orders: lose at most nothing, back within 2 h" in founder.locator("#consequence").inner_text()
    founder.get_by_role("link", name="Next: question 5").click()
    founder.get_by_label("Locked away").check()
    save_and_wait(founder, 5)
    founder.get_by_role("link", name="Next: question 6").click()
    founder.get_by_label("How many engineers build and run the application?").fill("3")
    save_and_wait(founder, 6)
    founder.get_by_role("button", name="Assess my answers and show the verdict").click()
    founder.wait_for_selector("section.one-page")
    saved = live.site.accounts.store.load("latest", "shop")
    one = verdict(saved.assessment, {p.id: p.question for p in load_lens().practices})
    shown = " ".join(founder.locator("section.one-page").inner_text().split())
    assert " ".join(one.sentence.split()) in shown
    assert any("43" in t and "a month" in t for t in one.targets)
    assert all(" ".join(t.split()) in shown for t in one.targets)
    assert founder.get_by_role("link", name="The full report").count() == 1
    assert violations(founder) == []
    dark = live.page("founder", "dark")
    dark.goto(f"/orgs/{org}/apps/{app}/verdict")
    assert violations(dark) == []
    founder.goto(f"/orgs/{org}/apps/{app}/wizard")
    assert founder.locator("text=not yet").count() == 0


def save_and_wait(page: Any, step: int) -> None:
    """Save the step's answers and wait for the page that says so."""
    page.get_by_role("button", name="Save these answers").click()
    page.get_by_role("status").filter(has_text="Saved as version").wait_for()
    assert page.url.split("#")[0].split("?")[0].endswith(f"/wizard/{step}")
