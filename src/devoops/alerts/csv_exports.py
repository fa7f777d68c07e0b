"""The incident tools' CSV exports: PagerDuty's incidents and Opsgenie's alerts.

Their own module because both are read the one way (a header found by loose names, then a
row reader compiled for it, each problem located by line and column), unlike Alertmanager's
JSON documents.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from ..base.errors import InputError, Location
from .fields import CLASSIFYING_TEXT, NAN, NOT_PAGING, Bad, Problems, Reader, moment, short
from .model import UNKNOWN_ACT, History

NOT_PAGING_PRIORITIES = frozenset({"p4", "p5"})
"""Opsgenie priorities that notify without paging."""


def column_key(header: str) -> str:
    """Headers compared without case, spaces or punctuation: `Created At` is `createdAt`."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


class Header:
    """A CSV header: where each column is. A column the export lacks is at -1, where every row
    carries one extra empty cell, so a row reader never asks whether a column exists."""

    def __init__(self, headers: list[str]) -> None:
        self.headers = headers
        self.index: dict[str, int] = {}
        for i, h in enumerate(headers):
            self.index.setdefault(column_key(h), i)

    def find(self, *names: str) -> int:
        return next((self.index[n] for n in names if n in self.index), -1)

    def name(self, i: int, fallback: str) -> str:
        return self.headers[i] if i >= 0 else fallback


RowReader = Callable[[list[str], "ZoneInfo | None", History], None]


def _csv(required: tuple[tuple[str, ...], ...], compile: Callable[[Header], RowReader]) -> Reader:
    """A CSV reader: the header must hold each required column (any of its names); each row
    goes to the row reader compiled for this header, its problems located by line."""

    def reader(f: Any, path: str, zone: ZoneInfo | None, h: History, problems: Problems) -> None:
        rows = csv.reader(f)
        try:
            header = Header(next(rows, []))
            missing = [names[0] for names in required if header.find(*names) < 0]
            if missing:
                raise InputError.at(
                    Location(path, 1), f"the header lacks the column(s): {', '.join(missing)}"
                )
            row, width = compile(header), len(header.headers)
            for cells in rows:
                if not cells:
                    continue
                h.records += 1
                if len(cells) != width:
                    problems.append(
                        (Location(path, rows.line_num), f"{len(cells)} cells, the header has {width}")
                    )
                    continue
                cells.append("")
                try:
                    row(cells, zone, h)
                except Bad as bad:
                    problems.append((Location(path, rows.line_num, None, bad.field), str(bad)))
        except csv.Error as exc:
            problems.append((Location(path, rows.line_num), f"not CSV: {exc}"))

    return reader


def _flag(value: str, field: str) -> bool | None:
    value = value.strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0", ""):
        return False if value else None
    raise Bad(field, f"{short(value)!r} is neither true nor false")


def _count(value: str, field: str) -> int:
    try:
        return int(float(value)) if value.strip() else 0
    except ValueError:
        raise Bad(field, f"{short(value)!r} is not a number") from None


def _required(value: str, field: str) -> str:
    value = value.strip()
    if not value:
        raise Bad(field, "empty")
    return value


def _end(value: str, field: str, zone: ZoneInfo | None, start: float) -> float:
    if not value.strip():
        return NAN
    end = moment(value, field, zone)
    if end < start:
        raise Bad(field, "before the creation time")
    return end


def _pagerduty_row(c: Header) -> RowReader:
    """PagerDuty's incidents CSV: one incident per row, its title as the alert's name, the
    service and title as its identity; high urgency pages. Someone acted when it was
    acknowledged (a first-ack time, an acknowledge count, a name); nobody when it resolved
    itself (auto_resolved) or no acknowledgement is recorded; unknown without those columns."""
    title, service, urgency = (
        c.find("description", "title", "summary"),
        c.find("servicename"),
        c.find("urgency"),
    )
    created, resolved = c.find("createdon", "createdat"), c.find("resolvedon", "resolvedat")
    first_ack, acks, by = (
        c.find("secondstofirstack"),
        c.find("acknowledgecount"),
        c.find("acknowledgedbyusernames"),
    )
    auto, assigned = c.find("autoresolved"), c.find("assignedtousernames")
    policy, escalations = c.find("escalationpolicyname", "escalationpolicy"), c.find("escalationcount")
    f_title, f_created, f_resolved = c.name(title, ""), c.name(created, ""), c.name(resolved, "resolved_on")
    f_acks, f_auto, f_escalations = c.name(acks, ""), c.name(auto, ""), c.name(escalations, "")
    knows_acts = max(first_ack, acks, by, auto) >= 0
    knows_escalation = max(policy, escalations) >= 0

    def row(cells: list[str], zone: ZoneInfo | None, h: History) -> None:
        name = _required(cells[title], f_title)
        start = moment(cells[created], f_created, zone)
        end = _end(cells[resolved], f_resolved, zone, start)
        acked_by = cells[by].strip()
        if _flag(cells[auto], f_auto):
            acted = 0
        elif acked_by or cells[first_ack].strip() or _count(cells[acks], f_acks) > 0:
            acted = 1
        else:
            acted = 0 if knows_acts else UNKNOWN_ACT
        if knows_escalation and not h.escalation:
            h.escalation = bool(cells[policy].strip()) or _count(cells[escalations], f_escalations) > 0
        h.responders.add(acked_by)
        h.responders.add(cells[assigned])
        page = cells[urgency].strip().lower() not in NOT_PAGING
        h.add(name, f"{cells[service]}\x1f{name}", start, end, acted, page, f"{name} {cells[service]}")

    return row


def _opsgenie_row(c: Header) -> RowReader:
    """Opsgenie's alerts CSV: the message as the alert's name, the alias (its de-duplication
    key) as its identity; P4 and P5 notify without paging. A closed alert ends at ClosedAt, or
    at UpdatedAt when the export has no ClosedAt (its last change, which closing is)."""
    message, alias, status = c.find("message"), c.find("alias"), c.find("status")
    created, closed_at, updated = c.find("createdat"), c.find("closedat"), c.find("updatedat")
    acked, by, owner, priority = (
        c.find("acknowledged"),
        c.find("acknowledgedby"),
        c.find("owner"),
        c.find("priority"),
    )
    tags, entity, description = c.find("tags"), c.find("entity"), c.find("description")
    f_message, f_created, f_acked = c.name(message, ""), c.name(created, ""), c.name(acked, "")
    f_end = c.name(closed_at, "ClosedAt") if closed_at >= 0 else c.name(updated, "UpdatedAt")
    end_column = closed_at if closed_at >= 0 else updated
    knows_acts = max(acked, by) >= 0

    def row(cells: list[str], zone: ZoneInfo | None, h: History) -> None:
        name = _required(cells[message], f_message)
        start = moment(cells[created], f_created, zone)
        closed = cells[status].strip().lower() == "closed"
        end = _end(cells[end_column], f_end, zone, start) if closed or closed_at >= 0 else NAN
        if closed and math.isnan(end):
            raise Bad(f_end, "a closed alert needs the time it closed")
        acked_by = cells[by].strip()
        acted = 1 if acked_by or _flag(cells[acked], f_acked) else 0 if knows_acts else UNKNOWN_ACT
        h.responders.add(acked_by)
        h.responders.add(cells[owner])
        page = cells[priority].strip().lower() not in NOT_PAGING_PRIORITIES
        words = f"{name} {cells[tags]} {cells[entity]} {cells[description][:CLASSIFYING_TEXT]}"
        h.add(name, cells[alias].strip() or name, start, end, acted, page, words[:CLASSIFYING_TEXT])

    return row


read_pagerduty = _csv((("description", "title", "summary"), ("createdon", "createdat")), _pagerduty_row)
read_opsgenie = _csv((("message",), ("createdat",)), _opsgenie_row)
