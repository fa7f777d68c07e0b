"""Child processes (pg_dump, pg_restore, psql, gpg): their stderr drained by a thread, since a
chatty child stalls on a full pipe, with the last lines kept for the message when it fails."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable, Iterable

LINES = 8


class Tail:
    """The last lines a child wrote to stderr; `keep` may leave lines out (and count them)."""

    def __init__(
        self, pipe: Iterable[bytes], lines: int = LINES, keep: Callable[[str], bool] | None = None
    ) -> None:
        self.lines: collections.deque[str] = collections.deque(maxlen=lines)
        self._keep = keep
        self._thread = threading.Thread(target=self._drain, args=(pipe,), daemon=True)
        self._thread.start()

    def _drain(self, pipe: Iterable[bytes]) -> None:
        for raw in pipe:
            line = raw.decode("utf-8", "replace").rstrip()
            if line and (self._keep is None or self._keep(line)):
                self.lines.append(line)

    def text(self, wait: float = 5.0) -> str:
        """The kept lines on one line, once the child closed stderr (or `wait` seconds passed)."""
        self._thread.join(wait)
        return " / ".join(self.lines)
