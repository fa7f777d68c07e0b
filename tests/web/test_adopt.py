"""A store the command line already saved into opens in the browser app with its history: the
first owner's organisation holds those applications; later ones are added by hand."""

from __future__ import annotations

from pathlib import Path

from devoops.store import Store
from devoops.store.accounts import Accounts
from devoops.store.engine import sqlite_url
from devoops.web import auth

from ..conftest import ROOT
from ..helpers import cli
from .support import PASSWORD, now


def test_the_first_organisation_holds_what_the_command_line_saved(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "devoops.db")
    saved = cli(
        "assess", ROOT / "examples" / "bookmarks.yaml", "--save", "--db", url, "-f", "json", "-o", "-"
    )
    assert saved.returncode == 0, saved.stderr
    with Store(url) as store:
        accounts = Accounts(store)
        accounts.create_setup_link(auth.digest("first"), now())
        owner = accounts.setup(
            auth.digest("first"), now(), "ada@example.com", "Ada", auth.hash_password(PASSWORD), "Acme"
        )
        acme = accounts.memberships(owner.id)[0].org_id
        [linkpile] = accounts.apps(acme)
        assert (linkpile.name, linkpile.assessments) == ("linkpile", 1)
        assert [(e.action, e.subject) for e in accounts.events(acme)] == [
            ("app.added", "linkpile"),
            ("org.created", "Acme"),
        ]
        # a second organisation starts empty: the name is held
        other = accounts.create_org("Other", owner, now())
        assert accounts.apps(other) == []
