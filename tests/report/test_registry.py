"""The renderer registries: every built-in loads and says what it writes, a renderer installed
from outside (tests/fixtures/renderer-plugin) is offered by the commands of its kind and renders,
and it cannot take a built-in's name."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devoops.api import assess_file
from devoops.base.errors import UsageError
from devoops.model.assessment import Assessment
from devoops.model.common import Horizon, Risk
from devoops.report import json as json_report
from devoops.report import registry as reg
from devoops.report import render
from devoops.report.registry import KINDS, Renderer, RendererError, formats

from ..conftest import NOW, ROOT
from ..helpers import SRC, pip_install

PLUGIN = ROOT / "tests" / "fixtures" / "renderer-plugin"
BOOKMARKS = ROOT / "examples" / "bookmarks.yaml"


@pytest.fixture(scope="module")
def assessed() -> Assessment:
    return assess_file(BOOKMARKS, now=NOW, years=0).assessment


@pytest.fixture(scope="module")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample renderer installed with pip into a folder, and that folder on the path while
    this module's tests run (the CLI's tests see the built-ins alone)."""
    target = tmp_path_factory.mktemp("renderers")
    pip_install(PLUGIN, target, tmp_path_factory.mktemp("build"))
    sys.path.insert(0, str(target))
    reg._registered.cache_clear()
    yield target
    sys.path.remove(str(target))
    reg._registered.cache_clear()


def devoops_with(plugin: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """`devoops` in a fresh process that sees the installed plugin, as a user's would."""
    env = os.environ | {"PYTHONPATH": os.pathsep.join([SRC, str(plugin)]), "COLUMNS": "160"}
    return subprocess.run(
        [sys.executable, "-m", "devoops", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(("kind", "name"), [(k, n) for k in KINDS for n in formats(k).names()])
def test_every_built_in_loads_and_says_what_it_writes(kind: str, name: str) -> None:
    renderer = formats(kind).get(name)
    assert isinstance(renderer, Renderer)
    assert renderer.format == name
    assert "/" in renderer.media_type


def test_an_unknown_format_names_the_choices(assessed: Assessment) -> None:
    with pytest.raises(UsageError, match=r"unknown format 'pdf'; choose one of terminal, html, json, md$"):
        render(assessed, "pdf")


def test_a_plugin_renderer_is_offered_after_the_built_ins_and_renders(
    plugin: Path, assessed: Assessment
) -> None:
    assert formats("assessment").names() == ["terminal", "html", "json", "md", "broken", "summary"]
    assert formats("analysis").names() == ["terminal", "json", "md", "summary"]
    assert formats("text").names() == ["terminal", "md"]  # the plugin registered nothing there
    assert "nowhere" not in reg.REGISTRIES  # a kind devoops does not have is not made up
    high = sum(f.risk == Risk.HIGH for f in assessed.at(Horizon.NOW).findings)
    assert render(assessed, "summary").startswith(f"{assessed.app.name}: {high} high, ")


def test_a_plugin_cannot_take_a_built_in_name(plugin: Path, assessed: Assessment) -> None:
    assert formats("assessment").where()["json"] == "devoops.report.json:JsonReport"
    assert render(assessed, "json") == json_report.render(assessed)


def test_a_plugin_that_does_not_load_is_a_runtime_fault(plugin: Path) -> None:
    with pytest.raises(
        RendererError, match=r"the assessment format 'broken' \(.*missing:Broken\) does not load"
    ):
        formats("assessment").get("broken")
    assert RendererError.exit_code == 3


def test_the_commands_offer_and_render_a_plugin_format(plugin: Path) -> None:
    shown = devoops_with(plugin, "assess", "--help")
    assert shown.returncode == 0 and "<terminal|html|json|md|broken|summary>" in shown.stdout
    done = devoops_with(plugin, "assess", BOOKMARKS, "-f", "summary")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("linkpile: ") and done.stdout.endswith(" medium\n")
    outline = devoops_with(plugin, "scenarios", "run", BOOKMARKS, "--years", "0", "-f", "summary")
    assert outline.returncode == 0, outline.stderr
    assert outline.stdout.splitlines()[:2] == ["devoops scenarios · linkpile · now", "- Scenarios"]
    wrong = devoops_with(plugin, "explain", "availability", BOOKMARKS, "-f", "summary")
    assert wrong.returncode == 2
    assert "'summary' is not one of 'terminal', 'md'." in wrong.stderr
    broken = devoops_with(plugin, "assess", BOOKMARKS, "-f", "broken")
    assert broken.returncode == 3 and broken.stderr.startswith("error: the assessment format 'broken'")
