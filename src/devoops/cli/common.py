"""Options and output helpers shared by the commands."""

from __future__ import annotations

import os
import tempfile
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ..report.view import Section

Workload = Annotated[
    Path, typer.Argument(metavar="WORKLOAD", help="the workload file, e.g. devoops.yaml", show_default=False)
]
Lens = Annotated[
    list[Path] | None, typer.Option("--lens", metavar="PATH", help="an extra lens file (repeatable)")
]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="write to this file instead of stdout")]
Years = Annotated[
    int,
    typer.Option(
        "--years", min=0, max=10_000_000, help="simulated years of the inventory's Monte Carlo; 0 skips it"
    ),
]


class ReportFormat(StrEnum):
    """The formats of the history analyses' own reports."""

    TERMINAL = "terminal"
    MD = "md"
    JSON = "json"


ReportFormatOption = Annotated[ReportFormat, typer.Option("--output-format", "-f", help="report format")]
SkipBadRows = Annotated[
    bool, typer.Option("--skip-bad-rows", help="skip and count malformed rows instead of failing")
]
AssumeTz = Annotated[
    str | None,
    typer.Option("--assume-tz", metavar="ZONE", help="the zone of times written without a UTC offset"),
]


def write_atomically(path: Path, text: str) -> None:
    """Write all or nothing: a crash or a full disk never leaves half a file. The file gets
    the permissions a plain write would give it (mkstemp's are owner-only). A path that is no
    regular file (`/dev/null`, a pipe) is written to as it is: renaming over it would replace
    the device."""
    from ..errors import UsageError

    if path.exists() and not path.is_file():
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        except OSError as exc:
            raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        write_atomically(output, text)


def is_terminal() -> bool:
    import sys

    return sys.stdout.isatty()


def width() -> int:
    """The terminal's width (or $COLUMNS), 120 when there is none."""
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


def emit_sections(title: str, sections: list[Section], markdown: bool, output: Path | None) -> None:
    """Sections as Markdown, or as terminal tables (coloured only on a terminal)."""
    if markdown:
        from ..report.markdown import render_sections as md

        emit(md(title, sections), output)
    else:
        from ..report.terminal import render_sections as term

        emit(term(title, sections, color=output is None and is_terminal(), width=width()), output)
