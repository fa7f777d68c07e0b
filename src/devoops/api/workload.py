"""Load a workload file: YAML with positions, the model, then the names it uses checked
against the lens (practice ids, choices, tier ids)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..base.errors import InputError, Location, did_you_mean, quoted
from ..base.located import Source, read
from ..model.answers import QuizAnswers
from ..model.lens import Lens
from ..model.workload import Workload

if TYPE_CHECKING:
    from ..probes.base import Decision


@dataclass(frozen=True)
class LoadedWorkload:
    """The validated workload with the text it came from (kept verbatim: `${VAR}` stays)."""

    path: Path
    text: str
    workload: Workload


def load_workload(path: Path, lens: Lens) -> LoadedWorkload:
    return _loaded(read(path), lens)


def load_text(text: str, lens: Lens, file: str = "devoops.yaml") -> LoadedWorkload:
    """`load_workload` for text already in hand (an upload, a stored version), named `file`."""
    return _loaded(Source.parse(Path(file), text), lens)


def _loaded(source: Source, lens: Lens) -> LoadedWorkload:
    if source.data is None:
        raise InputError.at(Location(source.file, 1, 1), "the file is empty; run `devoops init` to write one")
    workload = source.validate(Workload)
    problems = against_lens(workload, source, lens)
    if problems:
        raise InputError(problems)
    return LoadedWorkload(source.path, source.text, workload)


def against_lens(workload: Workload, source: Source, lens: Lens) -> list[tuple[Location, str]]:
    problems: list[tuple[Location, str]] = []
    ids = [p.id for p in lens.practices]
    for practice_id, state in workload.practices.items():
        practice = lens.practice(practice_id)
        if practice is None:
            where = source.at(("practices", practice_id), key=True)
            problems.append(
                (where, f"unknown practice {quoted(practice_id)}" + did_you_mean(practice_id, ids))
            )
        elif state.choice is not None and practice.choice(state.choice) is None:
            choice_ids = [c.id for c in practice.choices]
            where = source.at(("practices", practice_id, "choice"))
            where = Location(where.file, where.line, where.column, f"practices.{practice_id}")
            problems.append(
                (
                    where,
                    f"unknown choice {quoted(state.choice)}"
                    + did_you_mean(state.choice, choice_ids)
                    + f"; choose one of: {', '.join(choice_ids)}",
                )
            )
    symptoms = [s.id for s in lens.symptoms]
    problems += [
        (source.at(("quiz", k), key=True), f"unknown symptom {quoted(k)}" + did_you_mean(k, symptoms))
        for k in workload.quiz
        if k not in symptoms
    ]
    problems += _probe_problems(workload, source, lens)
    problems += _inventory_problems(workload, source)
    tiers = [t.id for t in lens.tiers]
    for tier in workload.economics.tiers:
        if tier not in tiers:
            where = source.at(("economics", "tiers", tier), key=True)
            problems.append((where, f"unknown tier {quoted(tier)}" + did_you_mean(tier, tiers)))
    return problems


def _probe_problems(workload: Workload, source: Source, lens: Lens) -> list[tuple[Location, str]]:
    """Each configured probe's kind must exist, decide only what the lens knows, and accept its
    target and options."""
    if not workload.probes:
        return []
    from pydantic import ValidationError

    from ..probes.base import UnknownKind, entries, kinds, probe_class

    problems: list[tuple[Location, str]] = []
    for name, config in workload.probes.items():
        at = ("probes", name)
        try:
            cls = probe_class(config.type)
        except UnknownKind:
            known = sorted(kinds())
            message = f"unknown probe type {quoted(config.type)}" + did_you_mean(config.type, known)
            if not any(e.builtin for e in entries().values()):  # devoops's metadata predates its probes
                message += "; devoops's own probe kinds are not registered: reinstall devoops"
            problems.append((source.at((*at, "type")), f"{message}; known: {', '.join(known)}"))
            continue
        except (ImportError, AttributeError, TypeError) as exc:
            problems.append(
                (source.at((*at, "type")), f"probe type {quoted(config.type)} cannot be loaded: {exc}")
            )
            continue
        problems += [
            (source.at((*at, "type")), wrong) for wrong in _undecidable(config.type, cls.decides, lens)
        ]
        for field, text in _strings({"target": config.target, "options": config.options}):
            if _literal_password(text):
                problems.append(
                    (
                        source.at((*at, *field)),
                        "a password written in devoops.yaml reaches git and the store with the file: "
                        "write it as ${VARIABLE} and set the variable where devoops runs",
                    )
                )
        try:  # a `${VAR}` reference is checked when it is resolved, by the runner
            if _refers(config.target):
                cls.Options.model_validate(config.options)
            else:
                cls.validate(config.target, config.options)
        except ValidationError as exc:
            unresolved = [
                e for e in exc.errors() if e["type"] == "extra_forbidden" or not _refers(e.get("input"))
            ]
            if unresolved:
                problems += source.invalid(cls.Options, unresolved, (*at, "options")).problems
        except ValueError as exc:
            problems.append((source.at((*at, "target")), str(exc)))
    return problems


def _undecidable(kind: str, decides: Mapping[str, Decision], lens: Lens) -> list[str]:
    """What a kind declares it decides that the lens does not know: its verdicts could never count."""
    wrong = []
    ids = [p.id for p in lens.practices]
    for practice_id, decision in decides.items():
        practice = lens.practice(practice_id)
        if practice is None:
            wrong.append(
                f"probe type {quoted(kind)} decides practice {quoted(practice_id)}, which the lens lacks"
                + did_you_mean(practice_id, ids)
            )
            continue
        choices = [c.id for c in practice.choices]
        for choice in decision.choices:
            if choice not in choices:
                wrong.append(
                    f"probe type {quoted(kind)} decides {practice_id} choice {quoted(choice)}, which the lens "
                    f"lacks{did_you_mean(choice, choices)}; its choices: {', '.join(choices)}"
                )
    return wrong


def _inventory_problems(workload: Workload, source: Source) -> list[tuple[Location, str]]:
    """References inside the inventory must name what exists, and dependencies must not loop:
    the scenarios and the availability model walk the graph and would otherwise fail or hang."""
    inv = workload.inventory
    if inv is None:
        return []
    import networkx as nx

    from ..model.inventory import AnyOf, Kind
    from ..scenarios.topology import graph

    problems: list[tuple[Location, str]] = []
    currency = workload.app.currency
    if currency != "USD" and workload.economics.usd_rate is None:
        written = isinstance(source.data, dict) and "economics" in source.data
        where = source.at(("economics",), key=True) if written else source.at(("app", "currency"))
        message = (
            f"economics.usd_rate is required with an inventory when the currency is {currency}: "
            f"the scenarios price changes in USD; give {currency} per USD, e.g. `economics: {{usd_rate: 0.92}}`"
        )
        problems.append((where, message))
    ids = list(inv.components)
    top = ("inventory", "components")

    def unknown(cid: str, at: tuple[str | int, ...], what: str) -> None:
        if cid not in inv.components:
            problems.append(
                (source.at(at), f"unknown component {quoted(cid)} in {what}" + did_you_mean(cid, ids))
            )

    for n, cid in enumerate(inv.entry):
        unknown(cid, ("inventory", "entry", n), "entry")
    for n, dep in enumerate(inv.team_access):
        for m, cid in enumerate(dep.any_of if isinstance(dep, AnyOf) else [dep]):
            way: tuple[str | int, ...] = ("inventory", "team_access", n)
            unknown(cid, (*way, "any_of", m) if isinstance(dep, AnyOf) else way, "team_access")
    datasets = [d.name for d in workload.answers.data.datasets]
    accounts = {p.account for p in (inv.placed(c) for c in ids) if p.account}
    for cid, c in inv.components.items():
        if c.zones and inv.placed(cid).region is None:
            problems.append(
                (
                    source.at((*top, cid, "zones")),
                    f"component {quoted(cid)} names zones but no region: give it a region (or defaults.region)",
                )
            )
        listed: set[str] = set()
        for n, dep in enumerate(c.depends_on):
            if isinstance(dep, AnyOf):
                alternatives: set[str] = set()
                for m, alt in enumerate(dep.any_of):
                    place = (*top, cid, "depends_on", n, "any_of", m)
                    unknown(alt, place, "any_of")
                    if alt in alternatives:
                        problems.append(
                            (source.at(place), f"any_of names {quoted(alt)} twice: alternatives must differ")
                        )
                    alternatives.add(alt)
            else:
                unknown(dep, (*top, cid, "depends_on", n), "depends_on")
                if dep in listed:
                    problems.append(
                        (
                            source.at((*top, cid, "depends_on", n)),
                            f"{quoted(dep)} is listed twice in depends_on",
                        )
                    )
                listed.add(dep)
        targets: set[str] = set()
        for n, backup in enumerate(c.backups):
            at = (*top, cid, "backups", n, "to")
            if backup.to in targets:
                problems.append(
                    (
                        source.at((*top, cid, "backups", n)),
                        f"{quoted(cid)} backs up to {quoted(backup.to)} twice: keep one entry per target",
                    )
                )
            targets.add(backup.to)
            if backup.to == cid:
                problems.append(
                    (source.at(at), f"component {quoted(cid)} backs up to itself: a copy must live elsewhere")
                )
            elif backup.to not in inv.components:
                unknown(backup.to, at, "backups")
            elif (kind := inv.components[backup.to].kind) not in (Kind.BACKUP_TARGET, Kind.OBJECT_STORAGE):
                problems.append(
                    (
                        source.at(at),
                        f"{quoted(backup.to)} is kind {kind.value}: backups go to a backup_target or object_storage",
                    )
                )
        for n, name in enumerate(c.datasets):
            if name not in datasets:
                message = f"unknown dataset {quoted(name)}" + did_you_mean(name, datasets)
                problems.append(
                    (source.at((*top, cid, "datasets", n)), f"{message}; list it in answers.data.datasets")
                )
        for n, account in enumerate(c.access or []):
            if account not in accounts:
                message = f"account {quoted(account)} holds no component" + did_you_mean(
                    account, sorted(accounts)
                )
                problems.append((source.at((*top, cid, "access", n)), message))
    g = graph(inv)
    for group in nx.strongly_connected_components(g):
        first = min(group, key=lambda cid: ids.index(cid) if cid in ids else len(ids))
        if len(group) > 1 or g.has_edge(first, first):
            ring = [a for a, _ in nx.find_cycle(g.subgraph(group), first)]
            start = ring.index(min(ring, key=ids.index))
            ring = ring[start:] + ring[:start]
            loop = " -> ".join([*ring, ring[0]])
            problems.append((source.at((*top, ring[0], "depends_on")), f"dependency cycle {loop}"))
    return problems


PG_URL_PASSWORD = re.compile(r"^postgres(?:ql)?://[^/@?#]*?:(?P<password>[^@/?#]*)@", re.IGNORECASE)
PG_KEY_PASSWORD = re.compile(r"(?:^|\s)password\s*=\s*(?P<password>'(?:[^'\\]|\\.)*'|\S+)")


def _literal_password(text: str) -> bool:
    """Whether a PostgreSQL connection string (URL or key=value) holds a password that is not a
    `${VAR}` reference."""
    found = PG_URL_PASSWORD.match(text.strip()) or PG_KEY_PASSWORD.search(text)
    if found is None or not found.group("password").strip("'"):
        return False
    from ..probes.secrets import REFERENCE

    return REFERENCE.fullmatch(found.group("password").strip("'")) is None


def _strings(value: object, at: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], str]]:
    """Every string inside nested mappings and lists, with its path."""
    if isinstance(value, str):
        return [(at, value)]
    if isinstance(value, dict):
        return [found for k, v in value.items() for found in _strings(v, (*at, k))]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in _strings(v, (*at, i))]
    return []


def _refers(value: object) -> bool:
    from ..probes.secrets import REFERENCE

    return isinstance(value, str) and REFERENCE.search(value) is not None


def load_quiz_answers(path: Path, lens: Lens) -> dict[str, bool]:
    source = read(path)
    answers = source.validate(QuizAnswers, source.data if source.data is not None else {}).root
    ids = [s.id for s in lens.symptoms]
    unknown = [k for k in answers if k not in ids]
    if unknown:
        raise InputError(
            [
                (source.at((k,), key=True), f"unknown symptom {quoted(k)}" + did_you_mean(k, ids))
                for k in unknown
            ]
        )
    return answers
