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
