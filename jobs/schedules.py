"""Each sync job's trigger, declared once, from seed_data/sync.yaml.

Triggers are CronTriggers with an explicit Asia/Shanghai zone: without it "02:00" would fire at
10:00 local time on a UTC host. IntervalTrigger is avoided because it takes its phase from the
wall clock, which would make a world's schedule depend on when the process started.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from backoffice.seed import sync_config

NIGHTLY_CLEARING = "nightly_clearing"
INCREMENTAL = "incremental"
INDUSTRY_INCREMENTAL = "industry_incremental"


@dataclass(frozen=True)
class Schedule:
    name: str
    trigger: CronTrigger
    priority: int


def timezone() -> ZoneInfo:
    return ZoneInfo(sync_config().get("timezone", "Asia/Shanghai"))


def schedules() -> dict[str, Schedule]:
    """name → Schedule for every job in sync.yaml."""
    cfg = sync_config()
    tz = timezone()
    out = {}
    for name, spec in cfg["jobs"].items():
        out[name] = Schedule(name, CronTrigger(timezone=tz, **spec["cron"]), int(spec["priority"]))
    return out


def sale_min_age() -> timedelta:
    return timedelta(minutes=int(sync_config()["delays"]["sale_min_age_minutes"]))


def batch_size() -> int:
    return int(sync_config().get("batch_size", 5000))
