"""RPO/RTO per dataset (given, else from criticality) and the backup policy they imply."""

from __future__ import annotations

import math

from ..model.answers import Criticality, Dataset, Regulated
from ..model.targets import BackupPolicy, DatasetTarget

# minutes of data that may be lost, minutes until the data is back
DEFAULT_RPO = {Criticality.LIFEBLOOD: 5.0, Criticality.IMPORTANT: 60.0, Criticality.EXPENDABLE: 1440.0}
DEFAULT_RTO = {Criticality.LIFEBLOOD: 60.0, Criticality.IMPORTANT: 240.0, Criticality.EXPENDABLE: 1440.0}
RETENTION_DAYS = {Criticality.LIFEBLOOD: 35, Criticality.IMPORTANT: 14, Criticality.EXPENDABLE: 7}
REGULATED_RETENTION_DAYS = 90
RESTORE_DRILL_DAYS = {Criticality.LIFEBLOOD: 30, Criticality.IMPORTANT: 90, Criticality.EXPENDABLE: 365}
# Snapshots more often than hourly are impractical; below that, archive continuously (WAL/PITR).
CONTINUOUS_BELOW_MINUTES = 60.0
DAILY = 1440.0


def dataset_target(d: Dataset, security_importance: int, error_budget_minutes: float) -> DatasetTarget:
    """Lifeblood data is what the application serves: by default it must be back within the
    month's error budget (in whole minutes, rounded down so the cap holds), or one restore
    breaks the SLO."""
    rpo = d.rpo_minutes if d.rpo_minutes is not None else DEFAULT_RPO[d.criticality]
    rto = d.rto_minutes if d.rto_minutes is not None else DEFAULT_RTO[d.criticality]
    if d.rto_minutes is None and d.criticality == Criticality.LIFEBLOOD:
        rto = max(1.0, min(rto, float(math.floor(error_budget_minutes))))
    continuous = rpo < CONTINUOUS_BELOW_MINUTES
    retention = RETENTION_DAYS[d.criticality]
    if d.regulated in (Regulated.FINANCIAL, Regulated.HEALTH):
        retention = max(retention, REGULATED_RETENTION_DAYS)
    return DatasetTarget(
        name=d.name,
        criticality=d.criticality,
        rpo_minutes=rpo,
        rto_minutes=rto,
        rpo_given=d.rpo_minutes is not None,
        rto_given=d.rto_minutes is not None,
        backup=BackupPolicy(
            every_minutes=DAILY if continuous else min(rpo, DAILY),
            continuous=continuous,
            retention_days=retention,
            offsite_separate_account=d.criticality != Criticality.EXPENDABLE,
            encrypted=(
                d.regulated != Regulated.NONE
                or d.criticality == Criticality.LIFEBLOOD
                or security_importance >= 5
            ),
            restore_drill_every_days=RESTORE_DRILL_DAYS[d.criticality],
        ),
    )
