"""Realistic alert history and the exports vendors write of it.

`history()` draws firings of a catalogue of alert rules (cause and symptom alerts, SLO burn
rates, warnings), with flapping rules that re-fire minutes after resolving, duplicates from a
second, unclustered Alertmanager, alerts that resolve themselves within minutes and alerts
still open. The writers follow the vendors' documented exports:

- Alertmanager: webhook payloads (version 4: receiver, status, alerts[] with status, labels,
  annotations, startsAt, endsAt, generatorURL, fingerprint), one per line as a webhook log
  keeps them, every firing notified (often repeatedly) and then resolved; or the API's
  GET /api/v2/alerts list (status.state, silencedBy, inhibitedBy, receivers, updatedAt).
- PagerDuty: the incidents CSV (id, incident_number, description, service_name, urgency,
  created_on, resolved_on, seconds_to_first_ack, seconds_to_resolve, auto_resolved,
  escalation_policy_name, escalation_count, acknowledge_count, assigned/acknowledged user names).
- Opsgenie: the alerts CSV (TinyId, Alias, Message, Status, Acknowledged, CreatedAt, UpdatedAt,
  ClosedAt, Count, Owner, Teams, Tags, Entity, Source, Priority, Description, AcknowledgedBy).

Times are written with assorted UTC offsets (Z, +02:00, -05:00), as exports from people in
different zones are.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from devoops.alerts import Kind

START = dt.datetime(2026, 9, 7, tzinfo=dt.UTC)  # a Monday
ZONES = [dt.UTC, dt.timezone(dt.timedelta(hours=2)), dt.timezone(dt.timedelta(hours=-5))]
PEOPLE = ["ana", "bo", "chen", "dee"]


@dataclass(frozen=True)
class Rule:
    """An alert rule: what it watches and how it behaves."""

    name: str
    kind: Kind
    severity: str
    summary: str
    rate_per_week: float
    minutes: tuple[float, float]
    """Firings last between these many minutes (log-uniform)."""
    flappy: float = 0.0
    """The chance a firing re-fires within minutes of resolving."""


RULES = [
    Rule("HostHighCpuLoad", Kind.CAUSE, "critical", "CPU load is above 80 %", 20, (1, 40), flappy=0.4),
    Rule("HostOutOfDiskSpace", Kind.CAUSE, "critical", "Disk is almost full (< 10 % left)", 3, (30, 600)),
    Rule("HostOutOfMemory", Kind.CAUSE, "warning", "Node memory is filling up", 6, (2, 30)),
    Rule("KubePodCrashLooping", Kind.CAUSE, "critical", "Pod is crash looping", 5, (3, 60), flappy=0.3),
    Rule("HighErrorRate", Kind.SYMPTOM, "critical", "More than 1 % of requests fail", 8, (1, 20), flappy=0.5),
    Rule("ApiLatencyHigh", Kind.SYMPTOM, "critical", "p99 above 800 ms for 5 minutes", 10, (1, 8)),
    Rule("CheckoutSLOErrorBudgetBurn", Kind.SLO_BURN, "page", "Error budget burning 14.4x", 1, (20, 180)),
    Rule("BackupJobMissed", Kind.OTHER, "warning", "The nightly job did not report", 1, (60, 600)),
]
INSTANCES = ["web-1:9100", "web-2:9100", "db-1:9100"]


@dataclass
class Event:
    """One firing as generated: the truth every expected figure is computed from."""

    rule: Rule
    labels: dict[str, str]
    start: dt.datetime
    end: dt.datetime | None
    acked_by: str | None
    number: int = 0
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.rule.name

    @property
    def key(self) -> tuple[tuple[str, str], ...]:
        return tuple(sorted(self.labels.items()))

    @property
    def title(self) -> str:
        """How PagerDuty and Opsgenie show it: the rule and the instance."""
        return f"{self.rule.name} on {self.labels.get('instance', 'all')}"

    @property
    def page(self) -> bool:
        return self.rule.severity in ("critical", "page")


def history(weeks: float = 4, seed: int = 1, scale: float = 1.0, open_alerts: int = 3) -> list[Event]:
    """Firings of every rule over `weeks` from START, sorted by start."""
    rng = random.Random(seed)
    events: list[Event] = []
    span = weeks * 7 * 86400
    for rule in RULES:
        instances = INSTANCES if rule.kind == Kind.CAUSE else ["all"]
        for instance in instances:
            labels = {"alertname": rule.name, "severity": rule.severity, "job": "node", "instance": instance}
            if instance == "all":
                labels = {"alertname": rule.name, "severity": rule.severity, "service": "checkout"}
            t = rng.uniform(0, 3600)
            while True:
                t += rng.expovariate(rule.rate_per_week * scale / len(instances) / (7 * 86400))
                if t >= span:
                    break
                lasted = _duration(rng, rule)
                start = START + dt.timedelta(seconds=round(t, 3))
                events.append(_event(rng, rule, labels, start, lasted))
                t += lasted
                while rng.random() < rule.flappy:  # re-fires a few minutes after resolving
                    t += rng.uniform(30, 20 * 60)
                    lasted = _duration(rng, rule)
                    events.append(
                        _event(rng, rule, labels, START + dt.timedelta(seconds=round(t, 3)), lasted)
                    )
                    t += lasted
                if rng.random() < 0.05:  # a second Alertmanager, not clustered, fires it too
                    late = start + dt.timedelta(seconds=rng.uniform(1, 50))
                    events.append(_event(rng, rule, labels, late, 60))
    events.sort(key=lambda e: (e.start, e.name))
    last = {e.key: e for e in events}  # still open when exported: the latest firing of an alert
    for e in rng.sample(sorted(last.values(), key=lambda e: e.start), min(open_alerts, len(last))):
        e.end = None
    for number, e in enumerate(events, 1):
        e.number = number
    return events


def _duration(rng: random.Random, rule: Rule) -> float:
    low, high = rule.minutes
    return float(60 * low * (high / low) ** rng.random())


def _event(
    rng: random.Random, rule: Rule, labels: dict[str, str], start: dt.datetime, seconds: float
) -> Event:
    end = start + dt.timedelta(seconds=round(seconds, 3))
    acked = rng.choice(PEOPLE) if rule.severity in ("critical", "page") and rng.random() < 0.6 else None
    return Event(rule, dict(labels), start, end, acked)


def iso(t: dt.datetime, n: int) -> str:
    """The time in one of several offsets, chosen by `n`: mixed offsets in one export."""
    return t.astimezone(ZONES[n % len(ZONES)]).isoformat()


def fingerprint(labels: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(labels.items())).encode()).hexdigest()[:16]


def _am_alert(e: Event, status: str) -> dict[str, object]:
    return {
        "status": status,
        "labels": e.labels,
        "annotations": {"summary": e.rule.summary, "runbook_url": f"https://runbooks.example/{e.name}"},
        "startsAt": iso(e.start, e.number),
        "endsAt": iso(e.end, e.number + 1) if status == "resolved" and e.end else "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "fingerprint": fingerprint(e.labels),
    }


def webhook_lines(events: Iterable[Event], seed: int = 2) -> list[str]:
    """A webhook log: one payload per line, in the order Alertmanager sends them (a firing is
    notified once or twice, then resolved)."""
    rng = random.Random(seed)
    sends: list[tuple[dt.datetime, str, dict[str, object]]] = []
    for e in events:
        for repeat in range(rng.choice((1, 1, 2))):
            sends.append((e.start + dt.timedelta(seconds=30 + repeat), e.name, _am_alert(e, "firing")))
        if e.end is not None:
            sends.append((e.end, e.name, _am_alert(e, "resolved")))
    sends.sort(key=lambda s: s[0])
    return [
        json.dumps(
            {
                "version": "4",
                "groupKey": f'{{}}:{{alertname="{name}"}}',
                "receiver": "pager",
                "status": alert["status"],
                "alerts": [alert],
                "groupLabels": {"alertname": name},
                "externalURL": "http://alertmanager:9093",
            }
        )
        for _, name, alert in sends
    ]


def api_alerts(events: Iterable[Event]) -> list[dict[str, object]]:
    """GET /api/v2/alerts: the alerts active now (open firings), with their state."""
    return [
        {
            "labels": e.labels,
            "annotations": {"summary": e.rule.summary},
            "startsAt": iso(e.start, e.number),
            "endsAt": iso(e.start + dt.timedelta(minutes=5), 0),
            "updatedAt": iso(e.start, 0),
            "fingerprint": fingerprint(e.labels),
            "receivers": [{"name": "pager"}],
            "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
            "generatorURL": "http://prometheus:9090/graph",
        }
        for e in events
        if e.end is None
    ]


PAGERDUTY = [
    "id",
    "incident_number",
    "description",
    "service_id",
    "service_name",
    "escalation_policy_id",
    "escalation_policy_name",
    "created_on",
    "resolved_on",
    "seconds_to_first_ack",
    "seconds_to_resolve",
    "auto_resolved",
    "escalation_count",
    "acknowledge_count",
    "assignment_count",
    "acknowledged_by_user_ids",
    "acknowledged_by_user_names",
    "assigned_to_user_ids",
    "assigned_to_user_names",
    "urgency",
]


def pagerduty_rows(events: Iterable[Event]) -> Iterable[list[str]]:
    """PagerDuty incidents, one per firing; unacknowledged resolved ones resolved themselves."""
    for e in events:
        seconds = "" if e.end is None else f"{(e.end - e.start).total_seconds():.0f}"
        ack = (
            ""
            if e.acked_by is None
            else f"{min(120, (e.end - e.start).total_seconds() if e.end else 120):.0f}"
        )
        yield [
            f"Q{e.number:07X}",
            str(e.number),
            e.title,
            "PSVC001",
            "checkout-api",
            "PESC001",
            "Engineering on-call",
            iso(e.start, e.number),
            "" if e.end is None else iso(e.end, e.number + 1),
            ack,
            seconds,
            "true" if e.end is not None and e.acked_by is None else "false",
            "0",
            "1" if e.acked_by else "0",
            "1",
            "PUSR" if e.acked_by else "",
            e.acked_by or "",
            "PUSR",
            e.acked_by or "ana",
            "high" if e.page else "low",
        ]


def write_pagerduty(path: Path, events: Iterable[Event]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(PAGERDUTY)
        out.writerows(pagerduty_rows(events))


OPSGENIE = [
    "TinyId",
    "Alias",
    "Message",
    "Status",
    "IsSeen",
    "Acknowledged",
    "Snoozed",
    "CreatedAt",
    "UpdatedAt",
    "ClosedAt",
    "Count",
    "Owner",
    "Teams",
    "Recipients",
    "Tags",
    "Entity",
    "Source",
    "Priority",
    "Description",
    "AcknowledgedBy",
]


def write_opsgenie(path: Path, events: Iterable[Event], closed_at: bool = True) -> None:
    """Opsgenie alerts; without `closed_at` the export lacks ClosedAt and UpdatedAt is the close."""
    columns = OPSGENIE if closed_at else [c for c in OPSGENIE if c != "ClosedAt"]
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, columns, extrasaction="ignore")
        out.writeheader()
        for e in events:
            end = "" if e.end is None else iso(e.end, e.number + 1)
            out.writerow(
                {
                    "TinyId": str(e.number),
                    "Alias": fingerprint(e.labels),
                    "Message": e.title,
                    "Status": "open" if e.end is None else "closed",
                    "IsSeen": "true",
                    "Acknowledged": "true" if e.acked_by else "false",
                    "Snoozed": "false",
                    "CreatedAt": iso(e.start, e.number),
                    "UpdatedAt": end or iso(e.start, e.number),
                    "ClosedAt": end,
                    "Count": "1",
                    "Owner": e.acked_by or "",
                    "Teams": "platform",
                    "Recipients": "platform",
                    "Tags": ",".join(f"{k}:{v}" for k, v in e.labels.items() if k != "alertname"),
                    "Entity": e.labels.get("instance", "checkout"),
                    "Source": "Prometheus",
                    "Priority": "P1" if e.page else "P4",
                    "Description": e.rule.summary,
                    "AcknowledgedBy": e.acked_by or "",
                }
            )
