"""CloudTrail: whether every region's API calls are recorded, and whether the record survives an
intruder with the account's own credentials.

A region is covered by a trail that applies to it (a multi-region trail, an organisation trail,
or one whose home is that region) and is logging. The record survives when such a trail delivers
to a bucket outside the account (not in its bucket listing) or to one under Object Lock in
compliance mode.

`audit.logging`: a region without a logging trail has only CloudTrail's 90-day event history,
`provider-default`; every region covered is `central`. `central-immutable` asks for a year's
retention, alerts on sensitive actions and the logs of the identity provider, source control
and database, which are not seen from here, so it is never claimed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from ...importers.aws_session import Session
from ..found import Found
from .buckets import Lock, lock
from .checks import Checks, Got, count, get, names

REGIONS, TAMPER = "CloudTrail in every region", "CloudTrail tamper-resistant"


@dataclass(frozen=True)
class Trail:
    name: str
    arn: str
    home: str
    everywhere: bool  # multi-region or an organisation trail
    organisation: bool
    bucket: str
    logging: Got[bool]

    def covers(self, region: str) -> bool:
        return self.everywhere or self.home == region


@dataclass(frozen=True)
class Trails:
    trails: list[Trail]
    troubles: dict[str, str]  # region -> why its trails could not be listed
    buckets: dict[str, Got[Lock | None]]  # each own trail bucket's lock


def read(session: Session, regions: list[str], own: list[str] | None) -> Trails:
    """The trails every region sees, each one's status asked once in its home region, and the
    lock of each trail bucket in this account."""
    seen: dict[str, dict[str, Any]] = {}
    troubles = {}
    for region in regions:
        got = get(
            partial(session.call, "cloudtrail", "describe_trails", region=region, includeShadowTrails=True)
        )
        if got.trouble is not None:
            troubles[region] = got.trouble
            continue
        for t in (got.value or {}).get("trailList", []):
            seen.setdefault(str(t["TrailARN"]), t)
    trails = []
    for arn, t in seen.items():
        home = str(t.get("HomeRegion", ""))
        status = get(partial(session.call, "cloudtrail", "get_trail_status", region=home or None, Name=arn))
        trails.append(
            Trail(
                name=str(t.get("Name", arn)),
                arn=arn,
                home=home,
                everywhere=t.get("IsMultiRegionTrail") is True or t.get("IsOrganizationTrail") is True,
                organisation=t.get("IsOrganizationTrail") is True,
                bucket=str(t.get("S3BucketName", "")),
                logging=Got(status.value.get("IsLogging") is True)
                if status.value is not None
                else Got(trouble=status.trouble),
            )
        )
    mine = {t.bucket for t in trails if own is not None and t.bucket in own}
    return Trails(trails, troubles, {b: get(partial(lock, session, b)) for b in sorted(mine)})


def judge(
    got: Trails, regions: list[str], own: list[str] | None, checks: Checks, found: Found, min_days: int
) -> None:
    uncovered, untold, tamper_untold, loose = [], [], [], []
    why_loose: dict[str, None] = {}
    idle: dict[str, None] = {}  # trails that apply to an uncovered region but do not log
    for region in regions:
        if region in got.troubles:
            untold.append(f"{region} ({got.troubles[region]})")
            continue
        applying = [t for t in got.trails if t.covers(region)]
        logging = [t for t in applying if t.logging.value is True]
        if not logging:
            unread = [t for t in applying if t.logging.value is None]
            if unread:
                untold.append(
                    f"{region} (status of {names([t.name for t in unread])}: {unread[0].logging.trouble})"
                )
            else:
                uncovered.append(region)
                idle.update(dict.fromkeys(t.name for t in applying))
            continue
        verdicts = [_survives(t, got, own, min_days) for t in logging]
        if not any(ok for ok, _ in verdicts):
            if any(ok is None for ok, _ in verdicts):
                tamper_untold.append(f"{region}: {next(why for ok, why in verdicts if ok is None)}")
            else:
                loose.append(region)
                why_loose.update(dict.fromkeys(why for _, why in verdicts))
    found.measure(
        "regions without a logging trail",
        len(uncovered) if uncovered or not untold else None,
        "count",
        target=0,
        bound="max",
        detail=f"of {len(regions)}",
    )
    if uncovered:
        saw = f"{count(len(uncovered), 'region')} without a logging CloudTrail trail: {names(uncovered)}"
        if idle:
            saw += f" (trail {names(list(idle))} {'is' if len(idle) == 1 else 'are'} not logging)"
        checks.failed(REGIONS, saw)
        found.verdict(
            "audit.logging", "provider-default", f"{saw}; only the 90-day event history records them"
        )
    elif not untold:
        shown = sorted({t.name for t in got.trails if t.logging.value})
        asked = names(regions) if len(regions) <= 3 else f"all {len(regions)} regions asked"
        saw = f"{asked} {'is' if len(regions) == 1 else 'are'} recorded by a logging trail ({names(shown)})"
        checks.passed(REGIONS, saw)
        found.verdict(
            "audit.logging",
            "central",
            f"{saw}; a year's retention, alerts on sensitive actions and the logs of other systems are not "
            "seen from here",
        )
    for why in untold:
        checks.unknown(REGIONS, why)
    if loose:
        checks.failed(
            TAMPER,
            f"the record of {count(len(loose), 'region')} ({names(loose)}) can be deleted with this account's "
            f"credentials: {'; '.join(why_loose)}",
        )
    for why in tamper_untold:
        checks.unknown(TAMPER, why)
    if not loose and not tamper_untold and len(uncovered) + len(untold) < len(regions):
        checks.passed(TAMPER, "the covering trails deliver outside the account or under a compliance lock")


def _survives(trail: Trail, got: Trails, own: list[str] | None, min_days: int) -> tuple[bool | None, str]:
    """Whether the trail's record survives this account's credentials, and why."""
    if own is None:
        return None, "the account's buckets could not be listed"
    if trail.bucket not in own:
        return True, f"{trail.name} delivers to {trail.bucket}, outside this account"
    held = got.buckets.get(trail.bucket, Got(trouble="not read"))
    if held.trouble is not None:
        return None, f"the lock of {trail.bucket}: {held.trouble}"
    if held.value is None:
        return False, f"{trail.name} delivers to {trail.bucket} in this account, without Object Lock"
    ok, said = held.value.holds(min_days)
    return ok, f"{trail.name} delivers to {trail.bucket} in this account, {said}"
