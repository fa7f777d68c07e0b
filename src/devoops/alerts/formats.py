"""Readers of alert exports: Alertmanager JSON, PagerDuty incidents CSV, Opsgenie alerts CSV.

Every reader turns one record into one firing or a located problem (file, CSV row or JSON
index and line, field). Problems stop the import unless the caller skips bad records; then
they are counted. This module tells the formats apart and reads the files into one history;
`alertmanager` and `csv_exports` read the formats, `fields` holds what they share.
"""

from __future__ import annotations

import csv
import os
from zoneinfo import ZoneInfo

from ..base.errors import InputError, Location
from .alertmanager import read_alertmanager
from .csv_exports import column_key, read_opsgenie, read_pagerduty
from .fields import Problems, Reader
from .model import Format, History

SHOWN_PROBLEMS = 50


def detect(path: str, head: str) -> Format:
    """The format from the first bytes: JSON is Alertmanager's; a CSV header names its vendor."""
    start = head.lstrip("\ufeff \t\r\n")[:1]
    if start in "[{":
        return Format.ALERTMANAGER
    header = {column_key(c) for c in next(csv.reader([head.lstrip("\ufeff").partition("\n")[0]]), [])}
    if header & {"incidentnumber", "urgency", "escalationpolicyname", "createdon"}:
        return Format.PAGERDUTY
    if header & {"tinyid", "alias"}:
        return Format.OPSGENIE
    raise InputError.at(
        Location(path, 1, 1),
        "cannot tell the export's format (neither Alertmanager JSON nor a PagerDuty or Opsgenie CSV "
        "header); pass --format",
    )


def read(
    paths: list[str], format: Format | None = None, zone: ZoneInfo | None = None, skip_bad: bool = False
) -> History:
    """Every export into one history. Raises InputError naming each bad record unless
    `skip_bad`, and for a file that cannot be read at all."""
    history = History()
    problems: Problems = []
    for path in paths:
        try:
            with open(path, encoding="utf-8-sig", newline="") as f:
                head = f.read(4096)
                f.seek(0)
                kind = format or detect(path, head)
                history.formats.add(kind)
                history.files.append(path)
                READERS[kind](f, path, zone, history, problems)
        except OSError as exc:
            raise InputError.at(Location(path), f"cannot read: {exc.strerror or exc}") from None
        except UnicodeDecodeError as exc:
            raise InputError.at(Location(path), f"not UTF-8 text ({exc.reason})") from None
    if problems and not skip_bad:
        shown = problems[:SHOWN_PROBLEMS]
        if len(problems) > SHOWN_PROBLEMS:
            more = len(problems) - SHOWN_PROBLEMS
            shown.append(
                (Location(paths[-1]), f"... and {more} more bad records (--skip-bad-rows skips them)")
            )
        raise InputError(shown)
    history.skipped = problems
    return history


READERS: dict[Format, Reader] = {
    Format.ALERTMANAGER: read_alertmanager,
    Format.PAGERDUTY: read_pagerduty,
    Format.OPSGENIE: read_opsgenie,
}


def expand(patterns: list[str]) -> list[str]:
    """Paths and globs to the files they name, in order, each once; a pattern naming nothing is
    an error rather than an empty history."""
    import glob

    files: list[str] = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern, recursive=True)) if glob.has_magic(pattern) else [pattern]
        found = [f for f in found if not glob.has_magic(pattern) or os.path.isfile(f)]
        if not found:
            raise InputError.at(Location(pattern), "no file matches")
        files += [f for f in found if f not in files]
    return files
