"""Streams: this process's standard output and error, and the stderr of the programs it runs.

Standard output and error never drop the end of a write.

With PYTHONUNBUFFERED set (as many container images do), Python writes text straight to the
file descriptor and ignores a short write: on a pipe whose reader is slower than devoops, a
write can return after 64 KiB (after an event loop built on io_uring has run, even a blocking
one does), and the rest of a report was lost with exit status 0. A buffered writer writes the
rest, so each stream that lost its buffer gets one back, flushed at every line as before.
"""

from __future__ import annotations

import collections
import io
import sys
import threading
from collections.abc import Callable, Iterable


def whole() -> None:
    """Give sys.stdout and sys.stderr a buffer where PYTHONUNBUFFERED took it away. Only the
    interpreter's own streams: one put in their place (a test's capture) is left as it is, and
    the file descriptor stays open whatever becomes of the new stream."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is getattr(sys, f"__{name}__") and isinstance(
            getattr(stream, "buffer", None), io.RawIOBase
        ):
            raw = io.FileIO(stream.fileno(), "w", closefd=False)
            setattr(
                sys,
                name,
                io.TextIOWrapper(
                    io.BufferedWriter(raw),
                    encoding=stream.encoding,
                    errors=stream.errors,
                    line_buffering=True,
                ),
            )


LINES = 8


class Tail:
    """The last lines a child (pg_dump, pg_restore, psql, gpg) wrote to stderr, drained by a
    thread, since a chatty child stalls on a full pipe; `keep` may leave lines out."""

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
