"""Options and output helpers shared by the commands."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer

Workload = Annotated[
    Path, typer.Argument(metavar="WORKLOAD", help="the workload file, e.g. devoops.yaml", show_default=False)
]
Lens = Annotated[
    list[Path] | None, typer.Option("--lens", metavar="PATH", help="an extra lens file (repeatable)")
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="write to this file instead of stdout")]


def write_atomically(path: Path, text: str) -> None:
    """Write all or nothing: a crash or a full disk never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        write_atomically(output, text)


def is_terminal() -> bool:
    import sys

    return sys.stdout.isatty()


def emit_sections(title: str, sections: list, markdown: bool, output: Path | None) -> None:  # type: ignore[type-arg]
    """Sections as Markdown, or as terminal tables (coloured only on a terminal)."""
    if markdown:
        from ..report.markdown import render_sections as md

        emit(md(title, sections), output)
    else:
        from ..report.terminal import render_sections as term

        emit(term(title, sections, color=output is None and is_terminal()), output)
