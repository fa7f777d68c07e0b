"""The figures one failover drill hands back, as the probe judges them.

The phases fill one `Outcome` as they go: the command's run (`Command`), the primary before and
after (`Primary`), each replica's following (`Follow`), the writes' downtime and losses, and the
cleanup. Keeping these shapes apart from the code that fills them lets the probe read a drill's
result without importing the machinery, and keeps what is stored in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Command:
    seconds: float
    exit_code: int | None  # None: killed at its timeout
    output: str


@dataclass(frozen=True)
class Primary:
    """Which server answered the target as the primary; None where the server would not say."""

    server: str  # host:port libpq reached
    address: str | None  # inet_server_addr():inet_server_port(), as the server sees itself
    started: str | None  # pg_postmaster_start_time()
    timeline: int | None  # timeline of the last checkpoint

    def differs(self, other: Primary) -> bool:
        """Whether any fact both sides know tells another server or a new timeline."""
        pairs = zip(
            (self.server, self.address, self.started, self.timeline),
            (other.server, other.address, other.started, other.timeline),
            strict=True,
        )
        return any(a is not None and b is not None and a != b for a, b in pairs)

    def __str__(self) -> str:
        timeline = f", timeline {self.timeline}" if self.timeline is not None else ""
        return f"{self.server}{timeline}"


@dataclass
class Follow:
    replica: str
    seconds: float | None  # from writes resuming until the replica held a write made after
    caught_up: bool  # it held the last acknowledged write before the drill gave up
    detail: str


@dataclass
class Outcome:
    """The figures of one drill; seconds are measured on the monotonic clock."""

    database: str
    acknowledged: int = 0
    before: str | None = None
    after: str | None = None
    primary_before: Primary | None = None
    primary_after: Primary | None = None
    command: Command | None = None
    resumed: bool = False
    downtime: float | None = None
    lost: list[int] = field(default_factory=list)
    lost_window: float | None = None  # seconds of acknowledged writes the new primary lacks
    checked: bool = False  # the new primary's rows were read
    doubt_present: list[int] = field(default_factory=list)
    doubt_missing: list[int] = field(default_factory=list)
    cut: int = 0  # writes cut after write_timeout (counted in doubt)
    follows: list[Follow] = field(default_factory=list)
    dropped: bool = False
    cleanup: str | None = None  # why the drill database may be left behind
    problem: str | None = None  # why the figures are incomplete
    leftovers: list[str] = field(default_factory=list)  # drill databases earlier drills left

    @property
    def failed_over(self) -> bool | None:
        """Whether another server or a new timeline answered after the command; None when one side
        could not be read."""
        if self.primary_before is None or self.primary_after is None:
            return None
        return self.primary_before.differs(self.primary_after)
