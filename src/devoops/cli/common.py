"""Options and output helpers shared by the commands."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

Workload = Annotated[
    Path, typer.Argument(metavar="WORKLOAD", help="the workload file, e.g. devoops.yaml", show_default=False)
]
Lens = Annotated[
    list[Path] | None, typer.Option("--lens", metavar="PATH", help="an extra lens file (repeatable)")
]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="write to this file instead of stdout (- for stdout)")
]
Years = Annotated[
    int,
    typer.Option(
        "--years", min=0, max=10_000_000, help="simulated years of the inventory's Monte Carlo; 0 skips it"
    ),
]


def choices(kind: str, *extra: str) -> Any:
    """The `--format` choices of a kind of output: its registry's names (the built-ins, then the
    installed plugins'), then `extra`. Typer shows them, checks them and completes them; the
    command gets the name."""
    from ..report.registry import formats

    return Literal[(*formats(kind).names(), *extra)]


if TYPE_CHECKING:  # to a type checker, a format is its name
    AssessmentFormat = str
    ShowFormat = str
    TextFormat = str
    AnalysisFormat = str
    BackupFormat = str
    SloFormat = str
else:
    AssessmentFormat = choices("assessment")
    ShowFormat = choices("assessment", "workload")
    TextFormat = choices("text")
    AnalysisFormat = choices("analysis")
    BackupFormat = choices("backup")
    SloFormat = choices("slo")

AssessmentFormatOption = Annotated[AssessmentFormat, typer.Option("--format", "-f", help="output format")]
TextFormatOption = Annotated[TextFormat, typer.Option("--format", "-f", help="output format")]
"""Explanations and catalogues."""
AnalysisFormatOption = Annotated[AnalysisFormat, typer.Option("--format", "-f", help="output format")]
"""Reports with the data behind them: the analyses, what-if, scenarios, diff and history."""
SkipBadRows = Annotated[
    bool, typer.Option("--skip-bad-rows", help="skip and count malformed rows instead of failing")
]
AssumeTz = Annotated[
    str | None,
    typer.Option("--assume-tz", metavar="ZONE", help="the zone of times written without a UTC offset"),
]


def write_atomically(path: Path, text: str) -> None:
    """Write all or nothing, then say "wrote PATH" on stderr; `-` is standard output.

    A crash or a full disk never leaves half a file: the text goes to a temporary file beside
    the path and is renamed onto it, with the permissions a plain write would give (mkstemp's
    are owner-only). The rename goes only onto a regular file or a free name: a symlink's
    target is replaced, never the link, and a device or pipe (`/dev/null`) is written in place,
    since renaming over it would replace the device for every program on the machine."""
    from ..base.errors import UsageError

    if str(path) == "-":
        typer.echo(text, nl=not text.endswith("\n"))
        return
    shown, path = path, Path(os.path.realpath(path))
    try:
        if path.exists() and not path.is_file():
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        else:
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
        raise UsageError(f"cannot write {shown}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {shown}", err=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def emit(text: str, output: Path | None) -> None:
    """To standard output, or all or nothing to the file `-o` names."""
    write_atomically(output or Path("-"), text)


def is_terminal() -> bool:
    import sys

    return sys.stdout.isatty()


def width() -> int:
    """The terminal's width (or $COLUMNS), 120 when there is none."""
    import shutil

    return shutil.get_terminal_size((120, 24)).columns


def emit_report(kind: str, format: str, subject: object, output: Path | None) -> None:
    """`subject` rendered in `format`, a name of `kind`'s registry, to standard output (coloured
    on a terminal) or all or nothing to the file `-o` names."""
    from ..report.registry import Page, formats

    page = Page(color=output in (None, Path("-")) and is_terminal(), width=width())
    emit(formats(kind).get(format).render(subject, page), output)
