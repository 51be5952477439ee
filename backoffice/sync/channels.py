"""The scheduled sync jobs, registered with the world clock.

Each job combines its trigger (jobs/schedules.py, from seed_data/sync.yaml) with an exact
``pending`` — the earliest simulated time at which a run would move something — so an idle
stretch of any length costs one query per job, and a run that has nothing to do never happens.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from jobs import schedules

from .. import models  # noqa: F401  (complete metadata: a run flushes the world row in any process)
from ..clock import Job, register_job
from . import incremental, industry, nightly
from .tables import may_commit

_PARTS = {
    schedules.NIGHTLY_CLEARING: nightly,
    schedules.INCREMENTAL: incremental,
    schedules.INDUSTRY_INCREMENTAL: industry,
}


def _runner(module):
    def run(session: Session, world, at: datetime) -> int:
        session.flush()            # the set-based statements below must see every pending ORM change
        moved = module.run(session, world, at, batch=schedules.batch_size(), commit=may_commit(session))
        if moved:
            session.expire_all()   # the ORM must not show 网票 rows as they were before the set-based run
        return moved
    return run


def build_jobs() -> list[Job]:
    out = []
    for name, sched in schedules.schedules().items():
        part = _PARTS[name]
        out.append(Job(name=name, priority=sched.priority, trigger=sched.trigger, pending=part.pending,
                       run=_runner(part)))
    return out


def register() -> None:
    for job in build_jobs():
        register_job(job)


register()
