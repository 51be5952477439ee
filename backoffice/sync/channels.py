"""The scheduled sync jobs, registered with the world clock.

Each job combines its trigger (jobs/schedules.py, from seed_data/sync.yaml) with an exact
``pending`` — the earliest simulated time at which a run would move something — so an idle
stretch of any length costs one query per job, and a run that has nothing to do never happens.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from jobs import schedules

from ..clock import Job, register_job
from . import faults, incremental, industry, nightly
from . import upload_channel  # noqa: F401  (the upload channel's transport registers itself)
from .tables import may_commit

_PARTS = {
    schedules.NIGHTLY_CLEARING: nightly,
    schedules.INCREMENTAL: incremental,
    schedules.INDUSTRY_INCREMENTAL: industry,
}


def _run_part(module, session: Session, world, at: datetime, **as_of) -> int:
    session.flush()            # the set-based statements below must see every pending ORM change
    moved = module.run(session, world, at, batch=schedules.batch_size(), commit=may_commit(session), **as_of)
    if moved:
        session.expire_all()   # the ORM must not show 网票 rows as they were before the set-based run
    return moved


def _runner(name: str, module):
    def run(session: Session, world, at: datetime) -> int:
        faults.gate_job(session, world, name, at)   # an injected fault fails or holds back the run
        return _run_part(module, session, world, at)
    return run


def run_late(name: str, session: Session, world, at: datetime, *, as_of: datetime, upto_seq: int | None) -> int:
    """A run held back by a delay fault, now. The incremental channel carries what was ready at the
    scheduled time ``as_of`` (so each delivery is exactly that late); the others run over 金三 as it is."""
    module = _PARTS[name]
    extra = {"as_of": as_of, "upto_seq": upto_seq} if module is incremental else {}
    return _run_part(module, session, world, at, **extra)


def build_jobs() -> list[Job]:
    out = []
    for name, sched in schedules.schedules().items():
        part = _PARTS[name]
        out.append(Job(name=name, priority=sched.priority, trigger=sched.trigger, pending=part.pending,
                       run=_runner(name, part)))
    return out


def register() -> None:
    for job in build_jobs():
        register_job(job)


register()
