"""Inventory validation: each reference rule passes a good document and locates a bad one."""

from __future__ import annotations

from pathlib import Path

import pytest

from devoops.api.workload import load_workload
from devoops.base.errors import InputError
from devoops.model.lens import Lens
from tests.helpers import cli

HEAD = """app: {name: shop, stage: mvp}
answers:
  reliability: {downtime_cost_per_hour: 100}
  traffic: {baseline_rps: 10}
  security: {breach_survival: damaged}
  engineering: {team_size: 3}
  data:
    datasets:
      - {name: orders, criticality: lifeblood}
      - {name: images, criticality: important}
"""

GOOD = """inventory:
  defaults: {provider: aws, account: '111111111111', region: eu-west-1}
  entry: [web]
  components:
    dns-a: {kind: dns, provider: cloudflare}
    dns-b: {kind: dns, provider: route53-other}
    web:
      kind: app
      zones: [eu-west-1a, eu-west-1b]
      instances: 2
      depends_on: [db, {any_of: [dns-a, dns-b]}]
    db:
      kind: database
      datasets: [orders]
      backups:
        - {to: vault, point_in_time: true}
    vault: {kind: backup_target, account: '222222222222'}
    ci:
      kind: ci_cd
      provider: github
      access: ['111111111111']
    sso: {kind: identity, provider: okta}
    vpn: {kind: access}
    glass: {kind: access, provider: oob}
  team_access: [sso, {any_of: [vpn, glass]}]
"""


def write(tmp_path: Path, inventory: str) -> Path:
    path = tmp_path / "devoops.yaml"
    path.write_text(HEAD + inventory)
    return path


def line_of(path: Path, needle: str, nth: int = 0) -> int:
    """The 1-based line of the nth occurrence of `needle`: where the error must point."""
    lines = [n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text]
    return lines[nth]


def problems(path: Path, lens: Lens) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_workload(path, lens)
    return str(caught.value).splitlines()


def test_a_consistent_inventory_loads(tmp_path: Path, lens: Lens) -> None:
    loaded = load_workload(write(tmp_path, GOOD), lens)
    assert loaded.workload.inventory is not None
    assert set(loaded.workload.inventory.components) == {
        *("dns-a", "dns-b", "web", "db", "vault", "ci", "sso", "vpn", "glass")
    }


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("entry: [web]", "entry: [wbe]", "entry:", "unknown component 'wbe' in entry (did you mean 'web'?)"),
        (
            "depends_on: [db,",
            "depends_on: [dbb,",
            "depends_on:",
            "unknown component 'dbb' in depends_on (did you mean 'db'?)",
        ),
        ("any_of: [dns-a,", "any_of: [dns-c,", "any_of", "unknown component 'dns-c' in any_of"),
        (
            "{to: vault,",
            "{to: valt,",
            "to: valt",
            "unknown component 'valt' in backups (did you mean 'vault'?)",
        ),
        (
            "{to: vault,",
            "{to: web,",
            "to: web",
            "'web' is kind app: backups go to a backup_target or object_storage",
        ),
        ("{to: vault,", "{to: db,", "to: db", "component 'db' backs up to itself"),
        ("datasets: [orders]", "datasets: [order]", "datasets: [order]", "unknown dataset 'order'"),
        (
            "access: ['111111111111']",
            "access: ['333333333333']",
            "access:",
            "account '333333333333' holds no",
        ),
        (
            "      kind: app\n",
            "      kind: app\n      provider: hetzner\n",
            "zones: [eu-west-1a",
            "component 'web' names zones but no region",
        ),
        ("any_of: [dns-a, dns-b]", "any_of: [dns-a, dns-a]", "any_of", "any_of names 'dns-a' twice"),
        ("depends_on: [db,", "depends_on: [db, db,", "depends_on:", "'db' is listed twice in depends_on"),
        (
            "team_access: [sso,",
            "team_access: [ssso,",
            "team_access",
            "unknown component 'ssso' in team_access",
        ),
        ("any_of: [vpn,", "any_of: [vnp,", "team_access", "unknown component 'vnp' in team_access"),
    ],
)
def test_each_reference_is_checked_and_located(
    tmp_path: Path, lens: Lens, old: str, new: str, needle: str, message: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    [line] = problems(path, lens)
    assert line.startswith(f"{path}:{line_of(path, needle)}:"), line
    assert message in line


def test_the_did_you_mean_for_datasets_names_the_list(tmp_path: Path, lens: Lens) -> None:
    path = write(tmp_path, GOOD.replace("datasets: [orders]", "datasets: [order]"))
    [line] = problems(path, lens)
    assert "(did you mean 'orders'?)" in line and "answers.data.datasets" in line


def test_a_dependency_cycle_is_named_at_its_first_component(tmp_path: Path, lens: Lens) -> None:
    looped = GOOD.replace(
        "      datasets: [orders]\n", "      datasets: [orders]\n      depends_on: [vault]\n"
    )
    looped = looped.replace("vault: {kind: backup_target,", "vault: {kind: backup_target, depends_on: [web],")
    path = write(tmp_path, looped)
    [line] = problems(path, lens)
    assert "dependency cycle web -> db -> vault -> web" in line
    assert line.startswith(f"{path}:{line_of(path, 'depends_on: [db,')}:"), line


def test_a_component_depending_on_itself_is_a_cycle(tmp_path: Path, lens: Lens) -> None:
    path = write(tmp_path, GOOD.replace("depends_on: [db,", "depends_on: [web, db,"))
    [line] = problems(path, lens)
    assert "dependency cycle web -> web" in line


def test_k_greater_than_n_is_refused_at_the_component(tmp_path: Path, lens: Lens) -> None:
    path = write(tmp_path, GOOD.replace("      instances: 2\n", "      instances: 2\n      needs: 3\n"))
    [line] = problems(path, lens)
    assert line.startswith(f"{path}:{line_of(path, '    web:')}:"), line
    assert "inventory.components.web" in line and "needs (3) exceeds instances (2)" in line


def test_every_problem_is_reported_at_once_in_file_order(tmp_path: Path, lens: Lens) -> None:
    bad = GOOD.replace("entry: [web]", "entry: [nope]").replace("{to: vault,", "{to: web,")
    bad = bad.replace("access: ['111111111111']", "access: [elsewhere]")
    path = write(tmp_path, bad)
    lines = problems(path, lens)
    expected = [line_of(path, "entry:"), line_of(path, "to: web"), line_of(path, "access:")]
    assert [int(line.split(":")[1]) for line in lines] == expected


def test_a_bad_inventory_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("{to: vault,", "{to: nowhere,"))
    out = tmp_path / "out" / "report.md"
    result = cli("assess", path, "-f", "md", "-o", out)
    assert result.returncode == 2, result.stderr
    assert f"{path}:{line_of(path, 'to: nowhere')}:" in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


def test_zones_without_a_region_are_reported_with_the_other_problems(tmp_path: Path, lens: Lens) -> None:
    """Placement is checked by the loader, not the model: one bad placement hides nothing else."""
    bad = GOOD.replace("      kind: app\n", "      kind: app\n      provider: hetzner\n")
    path = write(tmp_path, bad.replace("entry: [web]", "entry: [nope]"))
    lines = problems(path, lens)
    assert [int(line.split(":")[1]) for line in lines] == [line_of(path, "entry:"), line_of(path, "zones:")]
    assert "inventory.components.web.zones:" in lines[1]


def test_zones_take_the_region_of_the_defaults_or_their_own(tmp_path: Path, lens: Lens) -> None:
    own = GOOD.replace("      kind: app\n", "      kind: app\n      provider: hetzner\n      region: fsn1\n")
    loaded = load_workload(write(tmp_path, own), lens).workload.inventory
    assert loaded is not None and loaded.placed("web").region == "fsn1"


BACKUPS = "        - {to: vault, point_in_time: true}\n"


def test_backups_to_two_different_targets_load(tmp_path: Path, lens: Lens) -> None:
    two = GOOD.replace(BACKUPS, BACKUPS + "        - {to: archive, immutable: true}\n")
    two = two.replace(
        "  team_access:", "    archive: {kind: object_storage, account: '222222222222'}\n  team_access:"
    )
    loaded = load_workload(write(tmp_path, two), lens).workload.inventory
    assert loaded is not None and [b.to for b in loaded.components["db"].backups] == ["vault", "archive"]


def test_a_second_backup_to_the_same_target_is_refused_at_that_entry(tmp_path: Path, lens: Lens) -> None:
    path = write(tmp_path, GOOD.replace(BACKUPS, BACKUPS + "        - {to: vault, every_minutes: 60}\n"))
    [line] = problems(path, lens)
    assert line.startswith(f"{path}:{line_of(path, '{to: vault', nth=1)}:"), line
    assert "inventory.components.db.backups.1:" in line and "'db' backs up to 'vault' twice" in line


def test_a_component_in_two_separate_alternatives_is_allowed(tmp_path: Path, lens: Lens) -> None:
    """Only a repeat inside one `any_of` or one `depends_on` list is a mistake."""
    both = GOOD.replace("{any_of: [dns-a, dns-b]}]", "{any_of: [dns-a, dns-b]}, {any_of: [dns-b, vault]}]")
    loaded = load_workload(write(tmp_path, both), lens).workload.inventory
    assert loaded is not None and len(loaded.components["web"].depends_on) == 3


EURO_HEAD = HEAD.replace(
    "app: {name: shop, stage: mvp}\n", "app:\n  name: shop\n  stage: mvp\n  currency: EUR\n"
)


def test_a_foreign_currency_with_an_inventory_needs_a_usd_rate(tmp_path: Path, lens: Lens) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text(EURO_HEAD + GOOD)
    [line] = problems(path, lens)
    column = "  currency: EUR".index("EUR") + 1
    assert line.startswith(f"{path}:{line_of(path, 'currency: EUR')}:{column}:"), line
    assert "app.currency:" in line and "economics.usd_rate" in line and "usd_rate: 0.92" in line


def test_the_usd_rate_problem_points_at_economics_when_it_is_written(tmp_path: Path, lens: Lens) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text(EURO_HEAD + "economics:\n  base_monthly_infra: 500\n" + GOOD)
    [line] = problems(path, lens)
    assert line.startswith(f"{path}:{line_of(path, 'economics:')}:1:"), line
    assert "economics.usd_rate is required" in line


def test_a_usd_rate_or_no_inventory_satisfies_the_currency_rule(tmp_path: Path, lens: Lens) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text(EURO_HEAD + "economics:\n  usd_rate: 0.92\n" + GOOD)
    assert load_workload(path, lens).workload.economics.usd_rate == 0.92
    path.write_text(EURO_HEAD)
    assert load_workload(path, lens).workload.inventory is None
