"""Explorations in the background (the control room's 探索 page and the API).

A job's whole state is a row of ``exploration_jobs``: submitted (queued), claimed by a worker
(running, with a heartbeat and the runs done so far), then done with its result or failed with
its error. The web process runs the job in a thread of its own with its own database sessions:
requests are never held up by it, and any web worker can show its progress by reading the row.
A running job whose heartbeat stopped (its process ended) is shown as interrupted and may be run
again.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..clock import wall_now
from .engine import DEFAULT_MAX, explore
from .loader import Exploration, load_text
from .models import ExplorationJob
from .space import Space

STALE_AFTER = timedelta(seconds=90)   # a running job silent this long was interrupted
BEAT_EVERY = 0.5                      # seconds between progress writes
MAX_RUNS_LIMIT = 20000


def parse(source: str, path: str = "<upload>") -> Exploration:
    """Validate the exploration text (raises ExplorationError with its field and reason)."""
    return load_text(source, path)


def submit(session: Session, *, owner_id: int, source: str, max_runs: int = DEFAULT_MAX, seed: int = 0,
           from_world_id: int | None = None) -> ExplorationJob:
    exploration = parse(source)
    job = ExplorationJob(owner_id=owner_id, name=exploration.name[:200], source=source, max_runs=max_runs, seed=seed,
                         from_world_id=from_world_id, status="queued", runs_done=0,
                         runs_total=min(Space(exploration).size, max_runs), created_wall=wall_now())
    session.add(job)
    session.commit()
    return job


def state(job: ExplorationJob) -> str:
    """queued | running | done | failed | interrupted (a running job whose worker fell silent)."""
    if job.status == "running" and job.heartbeat_wall is not None and wall_now() - job.heartbeat_wall > STALE_AFTER:
        return "interrupted"
    return job.status


def start(app, job_id: int, *, inline: bool | None = None) -> threading.Thread | None:
    """Run the job: in a thread (the default), or at once in this thread (``inline``; tests)."""
    if inline if inline is not None else app.config.get("EXPLORE_INLINE", False):
        work(app.extensions["backoffice.sessions"], job_id)
        return None
    thread = threading.Thread(target=work, args=(app.extensions["backoffice.sessions"], job_id),
                              name=f"exploration-{job_id}", daemon=True)
    thread.start()
    return thread


def restart(session: Session, job: ExplorationJob) -> None:
    """Queue an interrupted or failed job again."""
    job.status, job.runs_done, job.error, job.result = "queued", 0, None, None
    job.started_wall = job.heartbeat_wall = job.finished_wall = None
    session.commit()


def work(factory, job_id: int) -> None:
    """Claim the job (only one worker can) and run it to its end."""
    main, beat = factory(), factory()
    try:
        now = wall_now()
        claimed = beat.execute(update(ExplorationJob).where(ExplorationJob.id == job_id,
                                                            ExplorationJob.status == "queued")
                               .values(status="running", started_wall=now, heartbeat_wall=now,
                                       worker=f"{socket.gethostname()}:{os.getpid()}")).rowcount
        beat.commit()
        if not claimed:
            return
        job = beat.scalar(select(ExplorationJob).where(ExplorationJob.id == job_id))
        source, max_runs, seed, owner_id = job.source, job.max_runs, job.seed, job.owner_id
        beat.commit()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if done == total or time.monotonic() - last[0] >= BEAT_EVERY:
                last[0] = time.monotonic()
                beat.execute(update(ExplorationJob).where(ExplorationJob.id == job_id)
                             .values(runs_done=done, runs_total=total, heartbeat_wall=wall_now()))
                beat.commit()
            time.sleep(0)   # let request threads in

        try:
            result = explore(main, parse(source), max_runs=max_runs, seed=seed, owner_id=owner_id, progress=progress)
        except Exception as exc:  # the job records why; the page shows it
            main.rollback()
            beat.rollback()
            reason = getattr(exc, "reason", None)
            text = str(exc) if reason is None else f"{getattr(exc, 'field', '') or ''}: {reason}".lstrip(": ")
            beat.execute(update(ExplorationJob).where(ExplorationJob.id == job_id)
                         .values(status="failed", error=text[:4000], finished_wall=wall_now()))
            beat.commit()
            return
        beat.execute(update(ExplorationJob).where(ExplorationJob.id == job_id)
                     .values(status="done", result=result, runs_done=result["runs"], runs_total=result["runs"],
                             heartbeat_wall=wall_now(), finished_wall=wall_now()))
        beat.commit()
    finally:
        main.close()
        beat.close()


def visible_jobs(session: Session, user, limit: int = 30) -> list[ExplorationJob]:
    stmt = select(ExplorationJob).order_by(ExplorationJob.id.desc()).limit(limit)
    if not user.is_instructor:
        stmt = stmt.where(ExplorationJob.owner_id == user.id)
    return list(session.scalars(stmt))


def visible_job(session: Session, user, job_id: int) -> ExplorationJob | None:
    job = session.scalar(select(ExplorationJob).where(ExplorationJob.id == job_id))
    if job is None or not (user.is_instructor or job.owner_id == user.id):
        return None
    return job
