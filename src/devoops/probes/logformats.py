"""Access-log formats and route normalisation as DuckDB SQL.

Every format turns the lines of the log files into the same columns (see `LogFormat.rows`);
parsing stays inside DuckDB, vectorised over all lines, and Python only writes the SQL.
User-given text (file names, field names, patterns, time formats) enters it as quoted literals.
Lines DuckDB cannot take at all (bad UTF-8, longer than 2 MB) land in its reject tables.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from .base import Options

CLF_TIME = "%d/%b/%Y:%H:%M:%S %z"
TO_MS = {"s": " * 1000", "ms": "", "us": " / 1000"}
REGEX_GROUPS = ("time", "status", "duration", "path", "method", "request")

# A path segment that names one thing rather than a kind of thing: a number, a date, a UUID,
# 16 or more hex digits, or a token of 16 or more base64url characters holding a digit. The
# token is spelled out by the position k of its first digit (k letters, the digit, at least
# 15 - k more characters): the alternatives exclude each other, which keeps RE2's automaton small.
_B64, _LETTERS = "[A-Za-z0-9_-]", "[A-Za-z_-]"
ID_SEGMENT = "|".join(
    [
        "[0-9]+",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        "[0-9a-fA-F]{16,}",
        *(f"{_LETTERS}{{{k}}}[0-9]{_B64}{{{15 - k},}}" for k in range(15)),
        f"{_LETTERS}{{15,}}[0-9]{_B64}*",
    ]
)
ID = "{id}"
OTHER = "(other)"


def lit(text: str) -> str:
    """`text` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def route_macro() -> str:
    """`route(path)`: the query and fragment dropped, each id-like segment replaced by {id}, so
    /users/42/orders?x=1 and /users/7/orders count as one route. A target that is no path (an
    absolute URL, `*`, garbage) is `(other)`. One regex pass over the path: doubling every slash
    gives each segment both of its own, so adjacent ids match too. Most paths carry no query or
    fragment and skip the splitting."""
    bare = (
        "CASE WHEN contains(p, '?') OR contains(p, '#') THEN split_part(split_part(p, '?', 1), '#', 1) "
        "ELSE p END"
    )
    doubled = f"replace({bare} || '/', '/', '//')"
    marked = f"regexp_replace({doubled}, {lit(f'/(?:{ID_SEGMENT})/')}, {lit(f'/{ID}/')}, 'g')"
    return (
        f"CREATE OR REPLACE TEMP MACRO route(p) AS CASE WHEN starts_with(p, '/') "
        f"THEN left(replace({marked}, '//', '/'), -1) ELSE {lit(OTHER)} END"
    )


Key = Annotated[str, Field(pattern=r'^(\$.+|[^"$][^"]*)$')]


class JsonFields(Options):
    """Where a JSON line keeps each figure: a top-level key, or a JSON path starting with $."""

    time: Key = Field(default="time", description="the request's time")
    status: Key = Field(default="status", description="the HTTP status")
    duration: Key | None = Field(
        default="request_time", description="how long the request took (unit: duration_unit); null: none"
    )
    path: Key = Field(
        default="path", description='the path or URI; a whole request line ("GET /x HTTP/1.1") also works'
    )
    method: Key | None = Field(default="method", description="the HTTP method; null: from the request line")


class LogFormat(Options):
    """How to read the lines: the format and its settings."""

    format: Literal["combined", "json", "regex"] = Field(
        default="combined",
        description="combined: nginx/Apache combined (or common) lines, the request time optionally "
        "appended as the last field; json: one JSON object per line; regex: `pattern` with named groups",
    )
    duration_unit: Literal["s", "ms", "us"] = Field(
        default="s", description="unit of the duration field: s (nginx $request_time), ms, us (Apache %D)"
    )
    time_format: str | None = Field(
        default=None,
        description="iso8601, epoch (seconds), epoch_ms, or a strptime pattern; default: "
        f"{CLF_TIME} for combined, iso8601 otherwise; times without an offset are UTC",
    )
    fields: JsonFields = Field(default=JsonFields(), description="json format: where each figure is")
    pattern: str | None = Field(
        default=None,
        description="regex format (RE2 syntax): named groups time and status, optionally duration, "
        "path, method, request (a whole request line)",
    )

    @field_validator("pattern")
    @classmethod
    def _groups(cls, pattern: str | None) -> str | None:
        if pattern is None:
            return None
        try:
            names = set(re.compile(pattern).groupindex)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        if missing := {"time", "status"} - names:
            raise ValueError(f"the pattern needs the named groups {', '.join(sorted(missing))}")
        if unknown := names - set(REGEX_GROUPS):
            raise ValueError(f"unknown groups {', '.join(sorted(unknown))}; known: {', '.join(REGEX_GROUPS)}")
        return pattern

    @model_validator(mode="after")
    def _fits(self) -> Self:
        if (self.format == "regex") != (self.pattern is not None):
            raise ValueError("pattern is needed by, and only by, format: regex")
        if "fields" in self.model_fields_set and self.format != "json":
            raise ValueError("fields belong to format: json")
        if self.format == "combined" and self.time_format and "%" not in self.time_format:
            raise ValueError(
                "the combined format's time_format is a strptime pattern, e.g. %d/%b/%Y:%H:%M:%S %z"
            )
        return self

    def rows(self, files: list[str]) -> str:
        """One row per non-blank line: `ts` (epoch seconds), `status`, `ms` (NULL when the line
        carries no duration), `request` (a request line or a path), `bad` (the line does not read
        as this format), `size` (its bytes with the newline) and, for bad lines only, `filename`
        and `line`."""
        fields, text, size = self._fields(files)
        return (
            f"SELECT ts, status, ms, request, bad, {size} + 1 AS size, "
            "CASE WHEN bad THEN filename END AS filename, "
            f"CASE WHEN bad THEN {text} END AS line FROM ("
            "SELECT *, odd OR NOT coalesce(isfinite(ts), false) "
            "OR NOT coalesce(status BETWEEN 100 AND 599, false) "
            "OR (d <> '' AND NOT coalesce(ms >= 0 AND isfinite(ms), false)) AS bad FROM ("
            f"SELECT *, {self._time('t')} AS ts, TRY_CAST(st AS SMALLINT) AS status, "
            f"TRY_CAST(NULLIF(d, '') AS DOUBLE){TO_MS[self.duration_unit]} AS ms FROM ({fields})))"
        )

    def _fields(self, files: list[str]) -> tuple[str, str, str]:
        """A query giving each line's raw text fields t (time), st (status), d (duration, '' when
        none), request, and odd (the line's shape is wrong); the SQL that gives the line back,
        and the SQL of its length in bytes."""
        names = "[" + ", ".join(lit(f) for f in files) + "]"
        read = (
            "header=false, auto_detect=false, quote='', escape='', strict_mode=false, ignore_errors=true, "
            "store_rejects=true, filename=true"
        )
        if self.format == "combined":
            # Split on '"': the CSV reader cuts a combined line into its 7 parts at full speed; an 8th
            # part means a quote inside a field (Apache escapes them as \"), a line it cannot trust.
            # Empty parts stay '' (no field is \x01), so only missing parts are NULL and the parts
            # joined by '"' give the line back.
            parts = [f"c{i}" for i in range(1, 9)]
            columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in parts) + "}"
            return (
                (
                    "SELECT filename, c1, c2, c3, c4, c5, c6, c7, c8, split_part(c1, '[', 2) AS t, "
                    "split_part(c3, ' ', 2) AS st, coalesce(CASE WHEN c4 IS NULL THEN split_part(c3, ' ', 4) "
                    "ELSE trim(c7) END, '') AS d, coalesce(c2, '-') AS request, c8 IS NOT NULL AS odd "
                    f"FROM read_csv({names}, columns={columns}, delim='\"', null_padding=true, nullstr='\x01', "
                    f"{read})"
                ),
                f"concat_ws('\"', {', '.join(parts)})",
                (" + ".join(f"coalesce(strlen({c}) + 1, 0)" for c in parts) + " - 1"),
            )
        lines = (
            f"(SELECT * FROM read_csv({names}, columns={{'line': 'VARCHAR'}}, delim='\\0', {read}) "
            "WHERE line IS NOT NULL)"
        )
        if self.format == "json":
            wanted = {k: v for k, v in self.fields.model_dump().items() if v is not None}
            paths = ", ".join(lit(v if v.startswith("$") else f'$."{v}"') for v in wanted.values())
            at = {k: f"v[{i}]" for i, k in enumerate(wanted, 1)}
            request = _request(f"coalesce({at['path']}, '-')", at.get("method"))
            return (
                (
                    f"SELECT filename, line, {at['time']} AS t, {at['status']} AS st, "
                    f"coalesce({at.get('duration', 'NULL')}, '') AS d, {request} AS request, false AS odd "
                    f"FROM (SELECT filename, line, try(json_extract_string(line, [{paths}])) AS v FROM {lines})"
                ),
                "line",
                "strlen(line)",
            )
        assert self.pattern is not None  # the validator requires it for regex
        compiled = re.compile(self.pattern)
        named = {i: n for n, i in compiled.groupindex.items()}
        groups = ", ".join(lit(named.get(g, f"_{g}")) for g in range(1, compiled.groups + 1))
        x = {n: f"x.{n}" if n in compiled.groupindex else None for n in REGEX_GROUPS}
        request = (
            x["request"] if x["request"] and not x["path"] else _request(x["path"] or "NULL", x["method"])
        )
        duration = x["duration"] or "''"
        return (
            (
                f"SELECT filename, line, x.time AS t, x.status AS st, {duration} AS d, "
                f"coalesce(NULLIF({request}, ''), '-') AS request, false AS odd FROM (SELECT filename, line, "
                f"regexp_extract(line, {lit(self.pattern)}, [{groups}]) AS x FROM {lines})"
            ),
            "line",
            "strlen(line)",
        )

    def _time(self, raw: str) -> str:
        """Epoch seconds from the raw time text, NULL when it does not read."""
        if self.format == "combined":  # the text after '[' runs to '] '
            return f"epoch(try_strptime({raw}, {lit((self.time_format or CLF_TIME) + '] ')}))"
        form = self.time_format or "iso8601"
        if form == "iso8601":
            return f"epoch(TRY_CAST({raw} AS TIMESTAMPTZ))"
        if form in ("epoch", "epoch_ms"):
            return f"TRY_CAST({raw} AS DOUBLE){' / 1000' if form == 'epoch_ms' else ''}"
        return f"epoch(try_strptime({raw}, {lit(form)}))"


def _request(path: str, method: str | None) -> str:
    """A request line from a path field and a method field; a path field that holds a whole
    request line ("GET /x HTTP/1.1") stays as it is."""
    if method is None:
        return path
    return (
        f"CASE WHEN contains({path}, ' ') OR coalesce({method}, '') = '' THEN {path} "
        f"ELSE {method} || ' ' || {path} END"
    )


def method_and_route(request: str) -> str:
    """`method` and `route` columns from a request line, or from a bare path (method "-"); the
    line is split once."""
    words = f"string_split({request}, ' ')"
    return (
        f"CASE WHEN len({words}) > 1 THEN {words}[1] ELSE '-' END AS method, "
        f"route(CASE WHEN len({words}) > 1 THEN {words}[2] ELSE {request} END) AS route"
    )
