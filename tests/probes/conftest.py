"""The sample plugin (tests/fixtures/plugin), installed the way users install one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devoops.probes import base

from ..conftest import ROOT
from ..helpers import pip_install

PLUGIN = ROOT / "tests" / "fixtures" / "plugin"


@pytest.fixture(scope="session")
def plugin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The sample plugin installed with pip into a folder, and that folder on the path."""
    target = tmp_path_factory.mktemp("site")
    build = tmp_path_factory.mktemp("build")
    pip_install(PLUGIN, target, build)
    sys.path.insert(0, str(target))
    base.entries.cache_clear()
    yield target
    sys.path.remove(str(target))
    base.entries.cache_clear()
