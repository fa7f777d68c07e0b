"""A failover drill: numbered writes through the application's connection string while a command
fails the primary over, then what the writes show.

The writer inserts seq 1, 2, 3... into a table of a drill database devoops creates (with its
marker, drill/scratch.py) and nowhere else. A row counts as acknowledged once its autocommit
INSERT returned; a row whose commit raised is in doubt (PostgreSQL may have committed it). The
longest gap between acknowledged writes after the command started is the write downtime; the
acknowledged rows the new primary does not hold are data lost.

A commit is never cancelled: a cancelled wait for synchronous replication commits locally all the
same, so a cancel would turn a row that only the old primary holds into one the drill counts as
acknowledged. To stop a write that hangs, the drill shuts its socket down instead, and that row is
in doubt; so is a write not acknowledged within `Plan.write_timeout`, after which the writer
reconnects. The primary answering the target is identified before and after the command (server,
address, postmaster start, timeline), so a command that returned without failing over is told
apart from a fast failover. Everything is blocking and runs within `Plan.budget` seconds, cleanup
included; when `interrupt` cuts the drill short, `cleanup_seconds` is what the drop still needs.

The modules follow the drill's phases: `plan` (what to run, and `Broken`), `connections` (how
every connection is made and bounded), `database` (the drill database created, read, dropped),
`writer` (the numbered writes), `command` (the user's failover command), `replicas` (watching
them follow), `figures` (what the writes show) and `outcome` (the figures handed back), with
`conductor`, the `Drill` that calls them in order. The names below are what the probe uses.
"""

from .conductor import Drill
from .outcome import Outcome
from .plan import Broken, Plan

__all__ = ["Broken", "Drill", "Outcome", "Plan"]
