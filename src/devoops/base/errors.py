"""One root error; every user-facing error names where in which file it comes from."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from .fmt import printable


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
    """One problem on one line; the field (user keys) and the message (which may quote input)
    are cut short as a last defence, the quotes inside them having been cut with `quoted`
    already, and their control characters written out, so that a key holding a line break or
    an escape sequence can neither forge a second line nor drive the terminal."""
    field = f" {printable(excerpt(location.field, FIELD_LIMIT))}:" if location.field else ""
    return f"{location}:{field} {printable(excerpt(message, MESSAGE_LIMIT))}"


EXCERPT = 80
"""Characters of input a message quotes: a key, an id or a value may be megabytes long."""
FIELD_LIMIT = 160
MESSAGE_LIMIT = 600


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """`text`, or its first `limit` characters with an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object) -> str:
    """A piece of input for a message: an excerpt, quoted as repr would (`'pay…'`)."""
    return repr(excerpt(value)) if isinstance(value, str) else excerpt(repr(value))


class UsageError(DevoopsError):
    """A command used wrongly: an unknown topic, a file that may not be overwritten."""


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A hint naming the closest candidate, or nothing."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
