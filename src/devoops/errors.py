"""One root error; every user-facing error names where in which file it comes from."""

from __future__ import annotations

from dataclasses import dataclass


class DevoopsError(Exception):
    """Root of every error devoops raises on purpose. Exit code 2 unless said otherwise."""

    exit_code = 2


@dataclass(frozen=True)
class Location:
    """A place in a source file: 1-based line and column, and the dotted field path."""

    file: str
    line: int | None = None
    column: int | None = None
    field: str = ""

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return where


class InputError(DevoopsError):
    """Bad user input: one or more problems, each naming file, line, column and field."""

    def __init__(self, problems: list[tuple[Location, str]]) -> None:
        self.problems = sorted(problems, key=lambda p: (p[0].file, p[0].line or 0, p[0].column or 0))
        super().__init__("\n".join(_line(loc, msg) for loc, msg in self.problems))

    @classmethod
    def at(cls, location: Location, message: str) -> InputError:
        return cls([(location, message)])


def _line(location: Location, message: str) -> str:
    field = f" {location.field}:" if location.field else ""
    return f"{location}:{field} {message}"


class UsageError(DevoopsError):
    """A command used wrongly: an unknown topic, a file that may not be overwritten."""
