"""The `inventory:` section: where each part of the application runs, what it needs, which
data it holds and where that data's backups go. Scenarios and the availability model read it.

Placement is inherited: a component without a `provider` takes the inventory's `defaults`,
and one on the default provider takes its `account` and `region` too. A component without a region is a global service (a SaaS DNS host);
one with a region but no zones is a regional service (a bucket, a managed queue), which a
zone outage does not reach.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from .common import Strict, duplicates

ComponentId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Minutes = Annotated[float, Field(ge=0, le=10_000_000)]
Hours = Annotated[float, Field(gt=0, le=100_000_000)]


class Kind(StrEnum):
    REGISTRAR = "registrar"
    DNS = "dns"
    CDN = "cdn"
    LOAD_BALANCER = "load_balancer"
    APP = "app"
    WORKER = "worker"
    DATABASE = "database"
    CACHE = "cache"
    QUEUE = "queue"
    OBJECT_STORAGE = "object_storage"
    BACKUP_TARGET = "backup_target"
    CI_CD = "ci_cd"
    SECRETS_STORE = "secrets_store"
    IDENTITY = "identity"
    ACCESS = "access"  # a VPN, bastion or zero-trust proxy the team reaches production through


class FailoverMode(StrEnum):
    AUTOMATIC = "automatic"
    MANUAL = "manual"


class Failover(Strict):
    """How a spare takes over when a serving instance is lost, and how long service stops."""

    mode: FailoverMode
    minutes: Minutes | None = Field(
        default=None, description="service stops this long per failover; default per mode"
    )

    @model_validator(mode="before")
    @classmethod
    def _plain_mode(cls, data: Any) -> Any:
        """`failover: automatic` is short for `failover: {mode: automatic}`."""
        return {"mode": data} if isinstance(data, str) else data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"anyOf": [{"enum": [m.value for m in FailoverMode]}, handler(core_schema)]}


class Replication(StrEnum):
    SYNC = "sync"
    ASYNC = "async"


class Granularity(StrEnum):
    WHOLE = "whole"
    TENANT = "tenant"


class Backup(Strict):
    """A copy of the component's datasets written elsewhere on a schedule."""

    to: ComponentId = Field(description="the component that stores the copies")
    every_minutes: Annotated[float, Field(gt=0, le=525_600)] = 1440.0
    point_in_time: bool = Field(
        default=False, description="continuous archiving: restores to any moment, e.g. just before a DROP"
    )
    immutable: bool = Field(
        default=False, description="object lock or write-once: no credential can delete the copies"
    )
    mirror: bool = Field(
        default=False,
        description="an unversioned copy (file sync, RAID, a replica): it copies a deletion, an "
        "encryption or a corruption at once",
    )
    monitored: bool | None = Field(
        default=None,
        description="a failed or late backup alerts someone who acts; unset: from the practice backups.automated",
    )
    restored: bool | None = Field(
        default=None,
        description="a drill has restored this backup and checked it; unset: from the practice backups.restore-drilled",
    )
    restore_minutes: Minutes | None = Field(
        default=None, description="time the last restore drill took; unset: unknown (estimated per kind)"
    )
    granularity: Granularity = Field(
        default=Granularity.WHOLE,
        description="what one restore brings back: the whole system, or one tenant on its own",
    )


class AnyOf(Strict):
    """Alternatives: the dependency holds while any one of them is up (two DNS providers)."""

    any_of: list[ComponentId] = Field(min_length=2)


Dependency = ComponentId | AnyOf


class Exposure(StrEnum):
    PRIVATE = "private"
    ALLOWLISTED = "allowlisted"
    INTERNET = "internet"


class Component(Strict):
    kind: Kind
    description: str = ""
    provider: Name | None = None
    account: Name | None = None
    region: Name | None = None
    zones: list[Name] = Field(default=[], description="instances are spread over these, in turn")
    site: Name | None = Field(
        default=None,
        description="the building its instances sit in (a datacenter, an office), whatever the provider "
        "or account; default: each instance's zone",
    )
    instances: Annotated[int, Field(ge=1, le=10_000)] = 1
    needs: Annotated[int, Field(ge=1, le=10_000)] = Field(
        default=1, description="how many instances must be up to serve (k of n)"
    )
    failover: Failover | None = None
    replication: Replication = Replication.ASYNC
    delay_minutes: Minutes = Field(
        default=0, description="a delayed copy: applies changes this late (survives a DROP noticed in time)"
    )
    datasets: list[Name] = []
    backups: list[Backup] = []
    depends_on: list[Dependency] = []
    access: list[Name] | None = Field(
        default=None,
        description="accounts this component's credentials can administer (CI/CD, identity); default all",
    )
    exposure: Exposure | None = Field(
        default=None, description="who can reach it over the network: private, allowlisted or internet"
    )
    authentication: bool | None = Field(
        default=None, description="false: anyone who reaches it can read and write (no password)"
    )
    certificate: Name | None = Field(
        default=None,
        description="the TLS certificate it serves; components naming the same one expire together",
    )
    mtbf_hours: Hours | None = Field(default=None, description="mean time between failures of one instance")
    mttr_minutes: Annotated[float, Field(gt=0, le=10_000_000)] | None = Field(
        default=None, description="mean time to repair one instance"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Component:
        if self.needs > self.instances:
            raise ValueError(
                f"needs ({self.needs}) exceeds instances ({self.instances}): k of n needs k <= n"
            )
        if len(self.zones) > self.instances:
            raise ValueError(
                f"{len(self.zones)} zones for {self.instances} instance(s): some zones hold none"
            )
        for field, values in (("zones", self.zones), ("datasets", self.datasets)):
            if repeated := duplicates(list(values)):
                raise ValueError(f"{field} repeat: {', '.join(repeated)}")
        return self

    def zone_of(self, instance: int) -> str | None:
        """Instances fill the zones in turn: 3 instances over a, b go a, b, a."""
        return self.zones[instance % len(self.zones)] if self.zones else None


class Defaults(Strict):
    provider: Name | None = None
    account: Name | None = None
    region: Name | None = None


class Inventory(Strict):
    defaults: Defaults = Defaults()
    entry: list[ComponentId] = Field(
        default=[],
        description="the components users reach; the application is up while they are (default: kind app)",
    )
    rebuild_hours: Hours | None = Field(
        default=None,
        description="time to recreate the infrastructure elsewhere; default from infra.as-code",
    )
    team_access: list[Dependency] = Field(
        default=[],
        description="what the team reaches production through to repair it (a VPN, the identity "
        "provider, the DNS); an any_of names independent paths",
    )
    components: dict[ComponentId, Component] = Field(min_length=1)

    def placed(self, cid: str) -> Placement:
        c = self.components[cid]
        d = self.defaults
        provider = c.provider or d.provider or "unknown"
        inherit = provider == (d.provider or "unknown")
        return Placement(
            provider=provider,
            account=c.account or (d.account if inherit else None),
            region=c.region or (d.region if inherit else None),
        )

    def entries(self) -> list[str]:
        return self.entry or [cid for cid, c in self.components.items() if c.kind == Kind.APP]

    def site(self, cid: str, zone: str | None) -> str | None:
        """The building the component's instances in `zone` sit in: its site, else the zone (a
        cloud zone is a building or a campus of them); a regional or global service spans
        several: None."""
        c = self.components[cid]
        if c.site is not None:
            return f"site {c.site}"
        if zone is None:
            return None
        p = self.placed(cid)
        return f"zone {p.provider}/{p.region}/{zone}"

    def sites(self, cid: str) -> set[str]:
        """Every building the component's instances sit in (each of its zones holds one)."""
        zones: list[str | None] = [*self.components[cid].zones] or [None]
        return {s for z in zones if (s := self.site(cid, z)) is not None}


class Placement(Strict):
    """Where a component runs once the defaults are applied."""

    provider: str
    account: str | None
    region: str | None
