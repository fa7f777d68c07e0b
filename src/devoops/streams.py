"""Standard output and error that never drop the end of a write.

With PYTHONUNBUFFERED set (as many container images do), Python writes text straight to the
file descriptor and ignores a short write: on a pipe whose reader is slower than devoops, a
write can return after 64 KiB (after an event loop built on io_uring has run, even a blocking
one does), and the rest of a report was lost with exit status 0. A buffered writer writes the
rest, so each stream that lost its buffer gets one back, flushed at every line as before.
"""

from __future__ import annotations

import io
import sys


def whole() -> None:
    """Give sys.stdout and sys.stderr a buffer where PYTHONUNBUFFERED took it away."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        raw = getattr(stream, "buffer", None)
        if isinstance(stream, io.TextIOWrapper) and isinstance(raw, io.RawIOBase):
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
