"""The catalogue of what-if changes: each a name, the lens practices whose cost bands price it,
where it applies, and a pure transform of the workload (`redundancy` and `safeguards` hold
them).

A change either reshapes the inventory (a replica, a second DNS provider, backups moved to an
account of their own) and so changes what a catastrophe does, or puts practices at their best
(MFA and a locked root, scoped CI credentials, a registrar lock) and so changes how often a
catastrophe happens; several do both. Every changed workload passes the model's validation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..base.errors import UsageError, did_you_mean
from ..model.inventory import Kind
from ..model.lens import Reliability
from ..model.workload import Workload
from . import redundancy as r
from . import safeguards as g
from .edit import inventory

Applies = Callable[[Workload, str | None], bool]
Transform = Callable[[Workload, str | None, Reliability], Workload]


@dataclass(frozen=True)
class ChangeDef:
    """One kind of change. `practices` maps a component's kind to the practices that price it
    (`None` key: a change that names no component, or any other kind); `why_not` says where
    it applies, for a refusal."""

    name: str
    title: str
    takes_component: bool
    practices: Mapping[Kind | None, tuple[str, ...]]
    applies: Applies
    transform: Transform
    why_not: str
    prevents: bool = False  # it only makes catastrophes rarer: other changes cannot add to its worth

    def practices_for(self, w: Workload, arg: str | None) -> tuple[str, ...]:
        kind = inventory(w).components[arg].kind if arg is not None else None
        return self.practices[kind] if kind in self.practices else self.practices[None]


def _change(
    name: str,
    title: str,
    practices: str | Mapping[Kind | None, tuple[str, ...]],
    rule: tuple[Applies, Transform],
    why_not: str,
    component: bool = False,
    prevents: bool = False,
) -> ChangeDef:
    priced: Mapping[Kind | None, tuple[str, ...]] = (
        {None: tuple(practices.split())} if isinstance(practices, str) else practices
    )
    return ChangeDef(name, title, component, priced, rule[0], rule[1], why_not, prevents)


CHANGES: dict[str, ChangeDef] = {
    d.name: d
    for d in (
        _change(
            "add-replica",
            "one more instance (a database also gets automatic failover)",
            r.REPLICA_PRACTICE,
            (r.replica_applies, r.add_replica),
            "its kind is {kind}; replicas are for what a team runs or sizes: apps, workers, databases, caches "
            "and queues (not a delayed copy); managed services are replicated by their provider",
            component=True,
        ),
        _change(
            "multi-zone",
            "spread the instances over two zones of the region",
            "infra.multi-zone",
            (r.multi_zone_applies, r.multi_zone),
            "it needs a region and exactly one zone, and a zoned kind (app, worker, database, cache, queue, "
            "load balancer); a regional component (a region, no zones) is already out of a zone's reach",
            component=True,
        ),
        _change(
            "automatic-failover",
            "promote the spare automatically instead of by hand",
            "db.failover-automatic",
            (r.automatic_applies, r.automatic),
            "it has no manual failover",
            component=True,
        ),
        _change(
            "second-dns-provider",
            "serve the domain from a second DNS provider too",
            "dns.vendor-independent",
            (r.second_dns_applies, r.second_dns),
            "nothing depends on a single DNS component",
        ),
        _change(
            "second-region",
            "a warm copy of the application in a second region, with traffic steered to either",
            "infra.multi-region",
            (r.second_region_applies, r.second_region),
            "the application's regional parts do not all run in one region",
        ),
        _change(
            "backups-to-separate-account",
            "store backups in an account of their own, outside production's buildings",
            "backups.offsite",
            (g.separate_applies, g.separate),
            "no backup is stored in the account or the building of the component it copies",
        ),
        _change(
            "add-backups",
            "a daily, monitored backup to an account of its own, restored once to prove it",
            "backups.automated",
            (g.add_backups_applies, g.add_backups),
            "its kind is {kind}: it holds no data, or its data already has a versioned backup",
            component=True,
        ),
        _change(
            "immutable-backups",
            "put every backup under object lock: no credential can delete it early",
            "backups.immutable",
            (g.immutable_applies, g.immutable),
            "every backup is write-once already, or there are none",
        ),
        _change(
            "restore-drills",
            "restore every backup weekly into a scratch database, checked and timed",
            "backups.restore-drilled",
            (g.drills_applies, g.drills),
            "restores are drilled weekly already, or there are no backups",
        ),
        _change(
            "monitor-backups",
            "alert someone when a backup fails or is late",
            "backups.automated",
            (g.monitor_applies, g.monitor),
            "every backup alerts on failure already, or there are none",
        ),
        _change(
            "point-in-time-recovery",
            "archive the database continuously: restore to just before a mistake",
            "db.pitr",
            (g.pitr_applies, g.pitr),
            "its kind is {kind}, or it has no backups that are not point-in-time already",
            component=True,
        ),
        _change(
            "delayed-replica",
            f"a copy of the database applying changes {g.DELAY_MINUTES:g} minutes late",
            "db.delayed-replica",
            (g.delayed_applies, g.delayed),
            "its kind is {kind}, or its datasets already have a delayed copy",
            component=True,
        ),
        _change(
            "mfa-and-locked-root",
            "phishing-resistant MFA for every human, the root login sealed for break-glass use",
            "iam.mfa iam.root-locked",
            g.best({"iam.mfa": "all-phishing-resistant", "iam.root-locked": "break-glass"}),
            "MFA and the root login are at their best already",
            prevents=True,
        ),
        _change(
            "scope-ci-credentials",
            "short-lived CI credentials scoped to deploying, from protected branches only",
            "ci.credentials-scoped",
            g.best({"ci.credentials-scoped": "oidc-restricted"}, Kind.CI_CD),
            "there is no CI/CD component, or its credentials are scoped and short-lived already",
            prevents=True,
        ),
        _change(
            "least-privilege",
            "people and services with only the access their work needs, leavers removed the same day",
            "iam.least-privilege access.offboarding",
            g.best({"iam.least-privilege": "least-privilege", "access.offboarding": "sso-deprovision"}),
            "access is least-privilege and offboarding automatic already",
            prevents=True,
        ),
        _change(
            "private-datastores",
            "datastores off the internet, each client with its own credentials",
            "network.private-datastores datastores.authentication",
            (g.private_applies, g.private),
            "there is no datastore, or every one is private and authenticated already",
            prevents=True,
        ),
        _change(
            "registrar-lock",
            "the domain in a locked company account, renewed for years ahead, its expiry watched",
            "dns.owner-known",
            g.best({"dns.owner-known": "company-locked"}, Kind.REGISTRAR),
            "there is no registrar component, or the domain is locked and watched already",
            prevents=True,
        ),
        _change(
            "soft-delete",
            "soft delete with a grace period, and limits on bulk deletion",
            "data.soft-delete",
            g.best({"data.soft-delete": "guarded"}, *g.DATA_KINDS),
            "there is no datastore, or deletes are soft and guarded already",
            prevents=True,
        ),
        _change(
            "out-of-band-access",
            "a break-glass way into production that shares no network, DNS or identity with it",
            "access.out-of-band",
            (g.out_of_band_applies, g.out_of_band),
            "the inventory's team_access has an alternative for every part already, or names none",
        ),
        _change(
            "deploy-pipeline",
            "every merge built once, tested and deployed by the pipeline, nobody deploying by hand",
            "delivery.ci-cd",
            g.best({"delivery.ci-cd": "ci-cd-gated"}, Kind.APP, Kind.WORKER),
            "deploys already run from a gated pipeline, or there is no app or worker",
            prevents=True,
        ),
        _change(
            "verified-deploys",
            "check the version and error rate on every instance after each deploy, roll back by itself",
            "deploy.verified",
            g.best({"deploy.verified": "verified"}, Kind.APP, Kind.WORKER),
            "deploys are verified already, or there is no app or worker",
            prevents=True,
        ),
        _change(
            "infra-as-code",
            "the whole infrastructure in reviewed code, applied from CI: rebuilt in hours, not days",
            "infra.as-code",
            g.as_code(),
            "the infrastructure is in code already, or the inventory gives its rebuild time",
        ),
    )
}

Step = tuple[str, str | None]


def parse(tokens: list[str], w: Workload, rel: Reliability) -> list[Step]:
    """`add-replica db second-dns-provider` -> [("add-replica", "db"), ("second-dns-provider", None)];
    each change must exist, name an existing component when it takes one, appear once, and apply
    both to the workload as the changes before it left it (the together row) and to the
    workload as it is (its own row shows it alone)."""
    original = w
    steps: list[Step] = []
    rest = list(tokens)
    while rest:
        name = rest.pop(0)
        if name not in CHANGES:
            raise UsageError(
                f"unknown change {name!r}" + did_you_mean(name, CHANGES) + f"; known: {', '.join(CHANGES)}"
            )
        d = CHANGES[name]
        arg: str | None = None
        if d.takes_component:
            if not rest:
                fits = next((cid for cid in inventory(w).components if d.applies(w, cid)), None)
                example = (
                    f", e.g. {name} {fits}" if fits else "; it applies to no component of this inventory"
                )
                raise UsageError(f"{name} needs a component{example}")
            arg = rest.pop(0)
            if arg not in inventory(w).components:
                raise UsageError(
                    f"{name}: unknown component {arg!r}" + did_you_mean(arg, inventory(w).components)
                )
        where = f" to {arg}" if arg else ""
        if (name, arg) in steps:
            raise UsageError(f"{name}{where} is asked twice; each change can be tried once")
        if not d.applies(w, arg):
            before = " after the changes before it" if steps else ""
            raise UsageError(f"{name} does not apply{where}{before}: {_why_not(d, w, arg)}")
        if not (arg is None or arg in inventory(original).components) or not d.applies(original, arg):
            raise UsageError(
                f"{name}{where} applies only after the changes before it, but each change's row "
                "shows it alone on the inventory as it is; apply those changes to the inventory "
                "first, then try this one"
            )
        steps.append((name, arg))
        w = d.transform(w, arg, rel)
    return steps


def _why_not(d: ChangeDef, w: Workload, arg: str | None) -> str:
    kind = inventory(w).components[arg].kind.value.replace("_", " ") if arg is not None else ""
    return d.why_not.format(kind=kind)


def applicable(w: Workload) -> list[Step]:
    """Every single change that applies to the workload, in catalogue then component order."""
    return [
        (name, arg)
        for name, d in CHANGES.items()
        for arg in (list(inventory(w).components) if d.takes_component else [None])
        if d.applies(w, arg)
    ]
