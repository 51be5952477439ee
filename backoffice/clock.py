"""The world clock: the only source of time in domain code, and the engine that moves it.

``advance(session, world, to)`` walks, in (time, priority, sequence) order, every occurrence of a
scheduled job that has something to do and every due work item in (now, to], each seeing the
clock at its own moment. A job tells the engine the earliest simulated time at which it would
have work (``pending``); the engine asks its trigger for the first occurrence at or after that
time, so an idle stretch costs one query per job, not one per occurrence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from .clock_models import JobRun, WorkItem
from .errors import OperationError

SHANGHAI = ZoneInfo("Asia/Shanghai")
EPSILON = timedelta(microseconds=1)
WORK_PRIORITY = 100   # due work runs after the scheduled jobs of the same instant


def wall_now() -> datetime:
    """Real time: only for audit wall times, leases and the live clock's anchor."""
    return datetime.now(timezone.utc)  # clock-ok


_DURATION = re.compile(r"^(?:([0-9]{1,9})d)?(?:([0-9]{1,9})h)?(?:([0-9]{1,9})m)?(?:([0-9]{1,9})s)?$")


def parse_duration(text: str, field: str = "by") -> timedelta:
    """``20m``, ``2h30m``, ``1d``, ``1d2h``, ``45s``; at most limits.yaml's ``max_advance_days``.
    ``field`` names the input as the request does (``by`` in the API and forms)."""
    from .limits import limits
    shown = str(text)[:40]
    m = _DURATION.match(str(text).strip()[:60])
    if not m or not any(m.groups()):
        raise OperationError("INVALID_INPUT", field=field,
                             reason=f"{shown!r} is not a duration like 20m, 2h30m or 1d",
                             reason_zh=f"“{shown}”不是时长（如 20m、2h30m、1d）")
    d, h, mi, s = (int(x or 0) for x in m.groups())
    most = limits().max_advance_days
    if d * 86400 + h * 3600 + mi * 60 + s > most * 86400:
        raise OperationError("INVALID_INPUT", field=field, reason=f"at most {most} days at a time",
                             reason_zh=f"一次最多推进 {most} 天")
    return timedelta(days=d, hours=h, minutes=mi, seconds=s)


def parse_time(value) -> datetime:
    """An ISO 8601 time with offset (or a YAML timestamp), returned aware."""
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).strip()[:60].replace("Z", "+00:00"))
        except ValueError:
            raise OperationError("INVALID_INPUT", field="time",
                                 reason=f"{str(value)[:40]!r} is not an ISO 8601 time with offset",
                                 reason_zh="须为带时区偏移的 ISO 8601 时间，如 2016-05-04T02:00:00+08:00") from None
    if dt.tzinfo is None:
        raise OperationError("INVALID_INPUT", field="time", reason=f"{str(value)[:40]!r} has no UTC offset",
                             reason_zh="时间须带时区偏移，如 +08:00")
    try:
        dt.astimezone(timezone.utc)
    except OverflowError:   # 9999-12-31T23:59:59-14:00 is past the last representable instant
        raise OperationError("INVALID_INPUT", field="time", reason="the time is out of range",
                             reason_zh="时间超出范围") from None
    return dt


def check_horizon(t: datetime, field: str = "until") -> None:
    """The simulated clock never leaves limits.yaml's [clock_earliest, clock_latest]: past it, job
    triggers and dates overflow, and a world would answer errors until reset."""
    from .limits import limits
    lim = limits()
    if not lim.clock_earliest <= t <= lim.clock_latest:
        raise OperationError("CLOCK_HORIZON", field=field,
                             reason=f"the simulated clock stays between {fmt(lim.clock_earliest)} and {fmt(lim.clock_latest)}",
                             reason_zh=f"模拟时钟只能在 {fmt(lim.clock_earliest)} 至 {fmt(lim.clock_latest)} 之间")


def local(dt: datetime) -> datetime:
    return dt.astimezone(SHANGHAI)


def fmt(dt: datetime | None) -> str | None:
    return None if dt is None else local(dt).isoformat(timespec="seconds")


class Trigger(Protocol):
    def get_next_fire_time(self, previous_fire_time, now): ...


@dataclass
class Job:
    """A scheduled job: its trigger, its place among jobs of the same instant, and two functions.

    ``pending(session, world, now)`` returns the earliest simulated time at which the job has
    something to do (None: nothing), given the state at ``now``. ``run(session, world, at)``
    does the work at ``at`` and returns how many items it moved.
    """

    name: str
    priority: int
    trigger: Trigger
    pending: Callable[[Session, object, datetime], datetime | None]
    run: Callable[[Session, object, datetime], int]


class JobFailed(Exception):
    """Raised by a job's run (or a due work item's handler) that fails — e.g. under an injected
    fault — before it changed anything: the clock records the failed run with its reason and moves
    on; what the run should have moved stays pending for a later run."""

    status = "failed"

    def __init__(self, reason: str, detail: dict | None = None):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class JobDeferred(JobFailed):
    """The run was held back (a delay fault): it takes place later; recorded as delayed."""

    status = "delayed"


JOBS: dict[str, Job] = {}
WORK_HANDLERS: dict[str, Callable] = {}


def register_job(job: Job) -> None:
    """A domain declares one of its scheduled jobs (the sync channels do, on import)."""
    JOBS[job.name] = job


def load_jobs() -> dict[str, Job]:
    """Every registered job. The domains register theirs when the catalogue loads them, which
    happens before any advance, so no door (CLI, web, tests) moves a clock with a job missing."""
    from .catalogue import load_all

    load_all()
    return JOBS


def in_committing_advance(session: Session) -> bool:
    """Whether a job may commit per batch: not when the advance runs inside its caller's transaction."""
    return session.info.get("clock.commit", True)


def register_work(kind: str, handler: Callable) -> None:
    """``handler(session, world, item, at)`` performs a due work item."""
    WORK_HANDLERS[kind] = handler


def world_now(world, at_wall: datetime | None = None) -> datetime:
    """The world's "now": frozen in manual mode; offset + speed × elapsed wall time in live mode."""
    if world.clock_mode == "live" and world.live_anchor_wall is not None:
        elapsed = (at_wall or wall_now()) - world.live_anchor_wall
        return max(world.clock_now, world.live_anchor_sim + elapsed * float(world.live_speed))
    return world.clock_now


def _next_fire(job: Job, after: datetime, inclusive: bool) -> datetime | None:
    start = after if inclusive else after + EPSILON
    nxt = job.trigger.get_next_fire_time(None, local(start))
    return None if nxt is None else nxt.astimezone(timezone.utc)


def next_events(session: Session, world, until: datetime | None = None,
                jobs: Iterable[Job] | None = None) -> list[tuple[datetime, int, str, object]]:
    """What fires next in ``world`` after its current time: [(time, priority, name, payload)]."""
    now = world.clock_now
    out = []
    for job in sorted(jobs if jobs is not None else load_jobs().values(), key=lambda j: j.priority):
        due = job.pending(session, world, now)
        if due is None:
            continue
        fire = _next_fire(job, max(due, now), inclusive=due > now)
        if fire is not None and (until is None or fire <= until):
            out.append((fire, job.priority, job.name, None))
    item = session.execute(
        select(WorkItem).where(WorkItem.world_id == world.id, WorkItem.done_at.is_(None),
                               WorkItem.due_at > now)
        .order_by(WorkItem.due_at, WorkItem.id).limit(1)
    ).scalar_one_or_none()
    if item is not None and (until is None or item.due_at <= until):
        out.append((item.due_at, WORK_PRIORITY, item.kind, item))
    out.sort(key=lambda e: (e[0], e[1], e[3].id if e[3] is not None else 0))
    return out


def advance(session: Session, world, to: datetime, *, jobs: Iterable[Job] | None = None,
            commit: bool = True, on_event: Callable | None = None) -> list[dict]:
    """Move ``world``'s clock to ``to``, firing everything due in (now, to] in order.

    Each occurrence commits on its own (the clock is persisted only after the occurrence is
    complete, so a run killed half way re-fires that occurrence when advanced again; every job is
    idempotent). Returns one record per occurrence that did something.
    """
    load_jobs()  # the domains register their jobs and work handlers on import
    check_horizon(to)
    to = to.astimezone(timezone.utc)
    if to < world.clock_now:
        raise OperationError("CLOCK_BACKWARDS", field="to",
                             reason=f"the clock is at {fmt(world.clock_now)}; it only moves forward")
    job_list = sorted(jobs if jobs is not None else load_jobs().values(), key=lambda j: j.priority)
    previous_commit = session.info.get("clock.commit")
    session.info["clock.commit"] = commit
    try:
        return _advance(session, world, to, job_list, commit, on_event)
    finally:
        if previous_commit is None:
            session.info.pop("clock.commit", None)
        else:
            session.info["clock.commit"] = previous_commit


def _advance(session: Session, world, to: datetime, job_list: list[Job], commit: bool,
             on_event: Callable | None) -> list[dict]:
    fired: list[dict] = []
    # The cursor is (time, priority): after running a job at t, jobs of lower priority at t are done,
    # those of higher priority at t still may run.
    cur_t, cur_p, cur_item = world.clock_now, 10 ** 9, 0
    while True:
        best = None
        for job in job_list:
            due = job.pending(session, world, cur_t)
            if due is None:
                continue
            # strictly after the cursor in (time, priority) order, and not before the work is due
            inclusive = due > cur_t or job.priority > cur_p
            fire = _next_fire(job, max(due, cur_t), inclusive=inclusive)
            if fire is None or fire > to:
                continue
            key = (fire, job.priority, 0)
            if best is None or key < best[0]:
                best = (key, job)
        item = session.execute(
            select(WorkItem).where(WorkItem.world_id == world.id, WorkItem.done_at.is_(None),
                                   WorkItem.due_at <= to)
            .order_by(WorkItem.due_at, WorkItem.id).limit(1)
        ).scalar_one_or_none()
        if item is not None:
            due_at = max(item.due_at, cur_t)
            key = (due_at, WORK_PRIORITY, item.id)
            if best is None or key < best[0]:
                best = (key, item)
        if best is None:
            break
        (t, prio, _), what = best
        if isinstance(what, Job):
            already = session.execute(select(JobRun.id).where(
                JobRun.world_id == world.id, JobRun.job == what.name, JobRun.scheduled_for == t)).first()
            moved = 0
            record = {"time": t, "job": what.name, "items": 0}
            if not already:
                try:
                    moved = what.run(session, world, t)
                except JobFailed as exc:
                    record.update(_failed_run(session, world, what.name, t, exc))
                else:
                    if moved:
                        session.add(JobRun(world_id=world.id, job=what.name, scheduled_for=t, items=moved,
                                           finished_wall=wall_now()))
            record["items"] = moved
        else:
            record = {"time": t, "job": what.kind, "items": 1, "work_item": what.id}
            try:
                WORK_HANDLERS[what.kind](session, world, what, t)
            except JobFailed as exc:
                record.update(_failed_run(session, world, what.kind, t, exc), items=0)
            what.done_at = t
        world.clock_now = max(world.clock_now, t)
        if commit:
            session.commit()
        else:
            session.flush()
        if record["items"] or record.get("status"):
            fired.append(record)
            if on_event:
                on_event(record)
        cur_t, cur_p = t, prio
    world.clock_now = to
    if commit:
        session.commit()
    else:
        session.flush()
    return fired


def _failed_run(session: Session, world, job: str, t: datetime, exc: JobFailed) -> dict:
    """Record a failed (or held back) run; two due items of one kind failing at one instant share a row."""

    row = session.execute(select(JobRun).where(JobRun.world_id == world.id, JobRun.job == job,
                                               JobRun.scheduled_for == t)).scalar_one_or_none()
    if row is None:
        session.add(JobRun(world_id=world.id, job=job, scheduled_for=t, items=0, status=exc.status,
                           reason=exc.reason[:300], detail=exc.detail, finished_wall=wall_now()))
    return {"status": exc.status, "reason": exc.reason}
