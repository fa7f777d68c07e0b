"""The workspace: a new application starts from `devoops init`'s defaults; devoops.yaml
downloads as the exact stored text at any version; the browser's assessment is saved like
`devoops assess --save` and equals `devoops assess -f json` of the downloaded file apart from
its time; saved probe results appear with their age."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.api.workload import load_text
from devoops.evaluate import assess
from devoops.lens import load_lens
from devoops.model.evidence import Evidence, ProbeResult, Status

from ..helpers import cli
from .conftest import state
from .support import Site, app_path, csrf_of, send_file
from .test_inventory import shop

Clients = Callable[[str | None], TestClient]


def test_a_new_application_starts_from_init_defaults(site: Site, client_for: Clients, tmp_path: Path) -> None:
    viewer = client_for("viewer")
    page = viewer.get(app_path(site, "workspace")).text
    assert "Nothing saved yet" in page and "Assess now" not in page
    text = viewer.get(app_path(site, "devoops.yaml")).text
    assert cli("init", "--defaults", "-o", tmp_path / "d.yaml").returncode == 0
    expected = (tmp_path / "d.yaml").read_text().replace("name: my-app", "name: shop", 1)
    assert text == expected


def test_download_then_cli_assess_equals_the_browsers_saved_assessment(
    app: Starlette, site: Site, client_for: Clients, tmp_path: Path
) -> None:
    engineer = client_for("engineer")
    assert send_file(engineer, site, "workload", "devoops.yaml", shop("marketplace.yaml")).status_code == 303
    token = csrf_of(engineer.get(app_path(site, "practices")).text)
    data = {"csrf": token, "practice": "db.migrations-reviewed", "choice": "unreviewed"}
    assert engineer.post(app_path(site, "practices/choice"), data=data).status_code == 303
    assessed = engineer.post(app_path(site, "assess"), data={"csrf": token})
    assert assessed.status_code == 303 and "?saved=" in assessed.headers["location"]
    store = state(app).store
    saved = store.load("latest", app="shop")
    downloaded = client_for("viewer").get(app_path(site, "devoops.yaml")).content
    assert saved.workload_text.encode() == downloaded
    (tmp_path / "devoops.yaml").write_bytes(downloaded)
    ran = cli("assess", "devoops.yaml", "-f", "json", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    from_cli = json.loads(ran.stdout)
    from_web = json.loads(saved.assessment.model_dump_json(by_alias=True))
    assert from_cli.pop("generated_at") != "" and from_web.pop("generated_at") != ""
    assert from_web == from_cli
    assert any(
        f["practice"] == "db.migrations-reviewed" and f["choice"] == "unreviewed"
        for f in from_web["horizons"][0]["findings"]
    )
    # The portfolio and the application's history show it.
    assert "1</td>" in engineer.get(f"/orgs/{site.org_a}").text
    event = state(app).accounts.events(site.org_a)[0]
    assert event.action == "assessment.saved" and event.new["version"] == 2


def test_every_version_downloads_as_it_was_saved(site: Site, client_for: Clients) -> None:
    engineer = client_for("engineer")
    first, second = shop(), shop("marketplace.yaml")
    assert send_file(engineer, site, "workload", "devoops.yaml", first).status_code == 303
    assert send_file(engineer, site, "workload", "devoops.yaml", second).status_code == 303
    viewer = client_for("viewer")
    assert viewer.get(app_path(site, "devoops.yaml") + "?version=1").content == first
    assert viewer.get(app_path(site, "devoops.yaml") + "?version=2").content == second
    assert viewer.get(app_path(site, "devoops.yaml")).content == second
    for missing in ("3", "0", "x"):
        assert viewer.get(app_path(site, "devoops.yaml") + f"?version={missing}").status_code == 404
    page = viewer.get(app_path(site, "workspace")).text
    assert "Version 2, saved by Engineer" in page and "devoops.yaml uploaded" in page
    # Another organisation's application: its document is not reachable through A's pages.
    owner = client_for("owner")
    assert (
        owner.get(
            app_path(site, "devoops.yaml", org="b").replace(f"/orgs/{site.org_b}", f"/orgs/{site.org_a}")
        ).status_code
        == 404
    )


def test_saved_probe_results_appear_with_their_age(app: Starlette, site: Site, client_for: Clients) -> None:
    lens = load_lens()
    text = shop().decode()
    w = load_text(text, lens).workload
    now = dt.datetime.now(dt.UTC)
    results = [
        ProbeResult(
            name=name,
            kind=kind,
            target="https://shop.example",
            started_at=now - dt.timedelta(hours=hours, seconds=5),
            finished_at=now - dt.timedelta(hours=hours),
            evidence=Evidence(status=status, summary=summary),
        )
        for name, kind, hours, status, summary in (
            ("home", "http", 3, Status.PASS, "p95 180 ms within 700 ms"),
            ("restore", "restore", 50, Status.FAIL, "restore took 95 minutes, over 60"),
        )
    ]
    store = state(app).store
    store.save(assess(w, lens, now - dt.timedelta(hours=60), "devoops.yaml", results[1:], years=0), text)
    store.save(assess(w, lens, now, "devoops.yaml", results, years=0), text)
    page = client_for("viewer").get(app_path(site, "workspace")).text
    assert '<th scope="row">home</th><td>http</td><td>PASS</td>' in page
    assert "3 hours ago" in page and "2 days ago" in page
    assert "restore took 95 minutes, over 60" in page
