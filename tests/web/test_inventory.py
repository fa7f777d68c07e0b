"""The inventory page: components added, edited and removed through a form; devoops.yaml and
Terraform state uploaded; every refusal shows the CLI loader's located errors (beside the field,
or above the form with file:line:column) and saves nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.testclient import TestClient

from devoops.api.workload import load_text
from devoops.lens import load_lens
from devoops.store.workloads import Workloads

from .conftest import state
from .support import Site, app_path, csrf_of, send_file

Clients = Callable[[str | None], TestClient]
ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "tests" / "fixtures" / "terraform"


def shop(example: str = "bookmarks.yaml") -> bytes:
    """An example workload, renamed to the site's application."""
    text = (ROOT / "examples" / example).read_text()
    return re.sub(r"(?m)^  name: \w+$", "  name: shop", text, count=1).encode()


def put(client: TestClient, site: Site, **fields: str) -> Any:
    token = csrf_of(client.get(app_path(site, "inventory")).text)
    return client.post(app_path(site, "inventory/component"), data={"csrf": token, **fields})


def test_components_are_added_edited_and_removed(app: Starlette, site: Site, client_for: Clients) -> None:
    engineer = client_for("engineer")
    docs = Workloads(state(app).store)
    made = put(
        engineer,
        site,
        id="web",
        kind="app",
        provider="aws",
        region="eu-west-1",
        zones="eu-west-1a, eu-west-1b",
        instances="2",
        datasets="main",
    )
    assert made.status_code == 303
    made = put(engineer, site, id="vault", kind="backup_target", provider="aws", account="backup")
    assert made.status_code == 303
    made = put(
        engineer,
        site,
        id="db",
        kind="database",
        provider="aws",
        region="eu-west-1",
        datasets="main",
        backups_to="vault",
        depends_on="",
    )
    assert made.status_code == 303
    edited = put(
        engineer,
        site,
        was="web",
        id="site",
        kind="app",
        provider="aws",
        region="eu-west-1",
        zones="eu-west-1a",
        instances="3",
        depends_on="db",
    )
    assert edited.status_code == 303
    inventory = load_text(docs.current(site.org_a, site.app_a).text, load_lens()).workload.inventory  # type: ignore[union-attr]
    assert inventory is not None and list(inventory.components) == ["site", "vault", "db"]
    site_ = inventory.components["site"]
    assert (site_.instances, site_.zones, site_.depends_on, site_.datasets) == (3, ["eu-west-1a"], ["db"], [])
    assert [b.to for b in inventory.components["db"].backups] == ["vault"]
    page = client_for("viewer").get(app_path(site, "inventory")).text
    assert "aws / backup" in page and "eu-west-1a" in page and "Remove site" not in page

    token = csrf_of(engineer.get(app_path(site, "inventory")).text)
    # db is needed by site: removing it would leave a dangling reference, so nothing changes.
    refused = engineer.post(app_path(site, "inventory/remove"), data={"csrf": token, "component": "db"})
    assert refused.status_code == 400
    assert re.search(
        r"devoops\.yaml:\d+:\d+: inventory\.components\.site\.depends_on\.0: unknown component &#39;db&#39;",
        refused.text,
    )
    assert docs.current(site.org_a, site.app_a).number == 4  # type: ignore[union-attr]
    for cid in ("site", "db", "vault"):
        removed = engineer.post(app_path(site, "inventory/remove"), data={"csrf": token, "component": cid})
        assert removed.status_code == 303
    assert "inventory:" not in docs.current(site.org_a, site.app_a).text  # type: ignore[union-attr]
    events = [e for e in state(app).accounts.events(site.org_a) if e.action == "inventory.changed"]
    assert (events[0].subject, events[0].new) == ("shop: inventory.components.vault", None)
    assert events[0].old == {"kind": "backup_target", "provider": "aws", "account": "backup"}
    renamed = next(e for e in events if e.subject == "shop: inventory.components.site" and e.new)
    assert renamed.old["instances"] == 2 and renamed.new["instances"] == 3


def test_a_refused_component_shows_the_loaders_error_beside_its_field(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    engineer = client_for("engineer")
    # The model refuses the component as a whole: above the form, located.
    refused = put(engineer, site, id="web", kind="app", region="eu-west-1", zones="a, b, c", instances="2")
    assert refused.status_code == 400
    page = refused.text
    assert re.search(r"<li>devoops\.yaml:\d+:\d+: inventory\.components\.web: .*3 zones for 2 instance", page)
    assert 'value="a, b, c"' in page  # what was typed stays
    # The loader cannot find a dependency: beside its field.
    refused = put(engineer, site, id="web", kind="app", depends_on="nowhere", datasets="main")
    page = refused.text
    assert refused.status_code == 400
    assert re.search(
        r'id="new-depends_on-error">devoops\.yaml:\d+:\d+: unknown component &#39;nowhere&#39;', page
    )
    assert 'aria-invalid="true" aria-describedby="new-depends_on-error"' in page
    assert put(engineer, site, id="web", kind="app", instances="two").status_code == 400
    assert Workloads(state(app).store).versions(site.org_a, site.app_a) == []


def test_an_uploaded_devoops_yaml_replaces_the_document_exactly(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    engineer = client_for("engineer")
    sent = shop()
    assert send_file(engineer, site, "workload", "devoops.yaml", sent).status_code == 303
    got = client_for("viewer").get(app_path(site, "devoops.yaml"))
    assert got.content == sent
    assert got.headers["content-disposition"] == 'attachment; filename="devoops.yaml"'
    event = state(app).accounts.events(site.org_a)[0]
    assert (event.action, event.old, event.new) == ("workload.uploaded", {"version": 0}, {"version": 1})


def test_refused_uploads_are_located_and_save_nothing(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    engineer = client_for("engineer")
    docs = Workloads(state(app).store)
    assert send_file(engineer, site, "workload", "devoops.yaml", shop()).status_code == 303
    before = docs.current(site.org_a, site.app_a)
    broken = shop().replace(b"stage: ", b"stage: [", 1)
    cases = [
        ("workload", "mine.yaml", broken, r"mine\.yaml:\d+:\d+: invalid YAML"),
        (
            "workload",
            "mine.yaml",
            shop().replace(b"name: shop", b"name: other", 1),
            r"mine\.yaml:4:9: app\.name: this file is for &#39;other&#39;",
        ),
        (
            "workload",
            "mine.yaml",
            shop().replace(b"  stage: ", b"  stage: huge #", 1),
            r"mine\.yaml:\d+:\d+: app\.stage:",
        ),
        ("workload", "mine.yaml", b"\xff\xfe", r"mine\.yaml: not UTF-8 text"),
        (
            "terraform",
            "bad-json.json",
            (TERRAFORM / "bad-json.json").read_bytes(),
            r"bad-json\.json:5:\d+: not JSON",
        ),
        (
            "terraform",
            "bad-shape.json",
            (TERRAFORM / "bad-shape.json").read_bytes(),
            r"bad-shape\.json:6:\d+: values\.root_module\.resources: resources should be a list",
        ),
    ]
    for what, name, content, shown in cases:
        response = send_file(engineer, site, what, name, content)
        assert response.status_code == 400, name
        assert "Nothing was saved" in response.text
        assert re.search(shown, response.text), (shown, re.findall(r"<li>.*?</li>", response.text)[:3])
    assert send_file(engineer, site, "terraform", "empty.json", b"").status_code == 400
    assert docs.current(site.org_a, site.app_a) == before


def test_a_terraform_state_replaces_only_the_inventory(
    app: Starlette, site: Site, client_for: Clients
) -> None:
    engineer = client_for("engineer")
    docs = Workloads(state(app).store)
    assert send_file(engineer, site, "workload", "devoops.yaml", shop()).status_code == 303
    old = load_text(docs.current(site.org_a, site.app_a).text, load_lens()).workload  # type: ignore[union-attr]
    assert (
        send_file(
            engineer, site, "terraform", "state.json", (TERRAFORM / "aws.json").read_bytes()
        ).status_code
        == 303
    )
    new_text = docs.current(site.org_a, site.app_a).text  # type: ignore[union-attr]
    new = load_text(new_text, load_lens()).workload
    assert new.answers == old.answers and new.practices == old.practices
    assert new.inventory is not None and new.inventory != old.inventory
    assert "# linkpile" not in new_text and "state.json" in docs.current(site.org_a, site.app_a).summary  # type: ignore[union-attr]


def test_viewers_and_founders_cannot_upload(app: Starlette, site: Site, client_for: Clients) -> None:
    for who in ("viewer", "founder"):
        client = client_for(who)
        token = csrf_of(client.get(app_path(site, "inventory")).text)
        refused = client.post(
            app_path(site, "upload"),
            data={"csrf": token, "what": "workload"},
            files={"file": ("devoops.yaml", shop(), "application/yaml")},
        )
        assert refused.status_code == 403
    anonymous = client_for(None)
    refused = anonymous.post(
        app_path(site, "upload"), data={"what": "workload"}, files={"file": ("d.yaml", b"x")}
    )
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    # Without the form's token nothing is read into the document.
    engineer = client_for("engineer")
    forged = engineer.post(
        app_path(site, "upload"), data={"what": "workload"}, files={"file": ("d.yaml", shop())}
    )
    assert forged.status_code == 403
    assert Workloads(state(app).store).versions(site.org_a, site.app_a) == []
