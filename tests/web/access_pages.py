"""The verdict, history and portfolio pages: who may reach each (merged into
`test_routes.EXPECTED`, in its words), and what their tests share:
assessments saved as `devoops assess --save` saves them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from devoops.store.accounts import Accounts
from devoops.store.people import Actor

from ..conftest import ROOT
from ..helpers import cli
from .support import Site, now

APP = "/orgs/{org:int}/apps/{app:int}"
ASSESSMENT = APP + "/assessments/{assessment:int}"

ACCESS = {
    ("GET", APP + "/verdict"): "viewer",
    ("GET", ASSESSMENT): "viewer",
    ("GET", ASSESSMENT + "/report.html"): "viewer",
    ("GET", ASSESSMENT + "/radar.png"): "viewer",
    ("GET", APP + "/history"): "viewer",
    ("GET", APP + "/diff"): "viewer",
    ("POST", APP + "/milestones"): "engineer",
    ("GET", APP + "/availability.png"): "viewer",
    ("GET", APP + "/latency.png"): "viewer",
}
"""Who may reach each of these pages, in the words of `test_routes.EXPECTED`."""


def workload(
    tmp: Path, name: str, example: str = "marketplace.yaml", changes: Sequence[tuple[str, str]] = ()
) -> Path:
    """An example workload under the application name `name`, each (old, new) text replaced."""
    text = (ROOT / "examples" / example).read_text()
    original = next(line for line in text.splitlines() if line.startswith("  name:"))
    text = text.replace(original, f"  name: {json.dumps(name)}", 1)
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    path = tmp / f"{len(list(tmp.glob('*.yaml')))}.yaml"
    path.write_text(text)
    return path


def save(url: str, path: Path) -> None:
    """`devoops assess FILE --save` on the store at `url`."""
    ran = cli("assess", path, "--save", "--db", url, "--years", "0", "-o", "/dev/null")
    assert ran.returncode == 0, ran.stderr


@dataclass(frozen=True)
class Mine:
    """An application of organisation A that these tests add, whatever the site already saved."""

    id: int
    base: str

    def __call__(self, page: str = "") -> str:
        return f"{self.base}/{page}" if page else self.base


def own_app(accounts: Accounts, site: Site, name: str = "crafty") -> Mine:
    accounts.add_app(site.org_a, name, now(), Actor(site.users["owner"].id, "Owner"))
    found = next(a.id for a in accounts.apps(site.org_a) if a.name == name)
    return Mine(found, f"/orgs/{site.org_a}/apps/{found}")
