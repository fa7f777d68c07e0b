"""What a failover drill is asked to do, and how it says it cannot.

`Plan` is the whole of the drill's input: the connection strings, the command, and every duration
the phases are held to; the probe builds it from its options. `Broken` is the one way any phase
reports that the drill could not run, with a message fit to show (it never holds a password), so
the conductor and the probe have a single failure to catch. `HALT` lives here because both the
writer's stop and the replicas' watchers are held to it, and the cleanup budget counts it.
"""

from __future__ import annotations

from dataclasses import dataclass

HALT = 1.0  # seconds the writer gets to stop after an interrupt


class Broken(Exception):
    """The drill could not run; the message says why and never holds a password."""


@dataclass(frozen=True)
class Plan:
    """What to run and for how long; every duration in seconds."""

    target: str
    command: str
    admin: str | None = None
    replicas: tuple[str, ...] = ()
    warmup: float = 3.0
    settle: float = 5.0
    interval: float = 0.01
    connect_timeout: float = 3.0
    write_timeout: float = 5.0
    command_timeout: float = 120.0
    follow: float = 30.0
    budget: float = 300.0
