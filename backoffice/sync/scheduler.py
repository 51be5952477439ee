"""Live mode: one APScheduler interval job, a tick (SCHEDULER_TICK_SECONDS, default 1 s), that
advances every live world to its own "now" (offset + speed × elapsed wall time) through the very
same ``clock.advance`` the manual mode uses, so the two modes cannot disagree (docs/behaviour.md §2).

Exactly one process runs it: the holder of a database lease with a wall-clock TTL
(SCHEDULER_LEASE_SECONDS). Each tick renews the lease; a second scheduler — another
``backoffice up``, a gunicorn worker, a reloader child — finds it held and does not start.

Handover: SIGTERM (what systemd and container runtimes send) and SIGINT stop the tick and release
the lease, so a restart takes over at once. ``backoffice scheduler`` started while another process
holds the lease stands by, trying again every third of the TTL; when the holder stops (released
lease) or dies (its lease expires), the standby takes over within one TTL.
"""
from __future__ import annotations

import atexit
import logging
import os
import signal
import socket
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import and_, delete, func, literal, literal_column, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from ..clock import SHANGHAI, advance, next_events, wall_now, world_now
from ..db import UTCDateTime, is_postgres
from ..limits import limits
from ..errors import OperationError
from ..worlds.models import World
from ..worlds.service import get_world
from .models import SchedulerLease

LEASE_NAME = "live-scheduler"
NOTHING_DUE = datetime(9999, 12, 31, tzinfo=timezone.utc)   # next_due of a world where nothing waits
log = logging.getLogger(__name__)


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# --- the lease -----------------------------------------------------------------------------------

def acquire_lease(factory: sessionmaker, holder: str, ttl_seconds: float, *, at_wall: datetime | None = None,
                  name: str = LEASE_NAME) -> bool:
    """Take or renew the lease; False while another holder's lease has not expired."""
    now = at_wall or wall_now()
    expires = now + timedelta(seconds=float(ttl_seconds))
    with factory() as s:
        # one conditional UPDATE: renew our own lease, or take over an expired one
        taken = s.execute(update(SchedulerLease).where(
            SchedulerLease.name == name,
            (SchedulerLease.holder == holder) | (SchedulerLease.expires_wall <= now))
            .values(holder=holder, expires_wall=expires)).rowcount
        if taken:
            s.commit()
            return True
        if s.get(SchedulerLease, name) is not None:
            s.rollback()
            return False
        s.add(SchedulerLease(name=name, holder=holder, expires_wall=expires))
        try:
            s.commit()
        except IntegrityError:      # another process inserted it first
            s.rollback()
            return False
        return True


def release_lease(factory: sessionmaker, holder: str, *, name: str = LEASE_NAME) -> None:
    with factory() as s:
        s.execute(delete(SchedulerLease).where(SchedulerLease.name == name, SchedulerLease.holder == holder))
        s.commit()


def lease_holder(factory: sessionmaker, *, name: str = LEASE_NAME) -> SchedulerLease | None:
    with factory() as s:
        return s.get(SchedulerLease, name)


# --- the tick ------------------------------------------------------------------------------------

def live_now(session, at_wall: datetime):
    """SQL for a live world's "now" at ``at_wall``: anchor_sim + speed × (wall − anchor_wall), as
    :func:`backoffice.clock.world_now` computes it (to the millisecond on SQLite)."""
    w = World.__table__
    wall = literal(at_wall, UTCDateTime())
    if is_postgres(session):
        seconds = w.c.live_speed * func.extract("epoch", wall - w.c.live_anchor_wall)
        return w.c.live_anchor_sim + seconds * literal_column("interval '1 second'")
    # SQLite keeps times as text: the elapsed wall seconds (rounded to the millisecond, so that the
    # float arithmetic of Julian days cannot land a hair before a due instant), scaled, added to the
    # anchor, written back in the text SQLAlchemy writes
    elapsed = func.round((func.julianday(wall) - func.julianday(w.c.live_anchor_wall)) * 86400.0, 3)
    shift = func.printf("%+.3f seconds", func.round(w.c.live_speed * elapsed, 3))
    return func.strftime("%Y-%m-%d %H:%M:%f", w.c.live_anchor_sim, shift).concat("000")


def advance_live_worlds(factory: sessionmaker, *, at_wall: datetime | None = None,
                        world_ids: list[int] | None = None) -> dict[int, int]:
    """Advance each live world to its own now; {world id: events fired} for the worlds that had
    something due. One world's failure is logged and does not hold back the others.

    Each live world keeps the earliest instant at which anything is due in it (``next_due``, worked
    out after each advance, forgotten whenever something changes in the world), and when that is on
    the wall clock (``next_due_wall``). A world not due yet is idle: every idle world moves forward
    in one statement that the database computes, and only the others are locked and advanced one by
    one through ``clock.advance``.
    """
    at_wall = at_wall or wall_now()
    w = World.__table__
    wall = literal(at_wall, UTCDateTime())
    latest = literal(limits().clock_latest, UTCDateTime())
    live = and_(w.c.clock_mode == "live", w.c.is_template.is_(False), w.c.building.is_(False),
                w.c.live_anchor_wall.is_not(None))
    if world_ids is not None:
        live = and_(live, w.c.id.in_(world_ids))
    with factory() as s:
        lesser, greater = (func.least, func.greatest) if is_postgres(s) else (func.min, func.max)
        # forward only, and a fast live clock stops at the horizon (limits.yaml) as an operation's
        # catch-up does
        now = greater(w.c.clock_now, lesser(live_now(s, at_wall), latest))
        s.execute(update(w).where(live, w.c.next_due_wall.is_not(None), w.c.next_due_wall > wall)
                  .values(clock_now=now))
        due = list(s.scalars(select(w.c.id).where(live, or_(w.c.next_due_wall.is_(None), w.c.next_due_wall <= wall))
                             .order_by(w.c.id)))
        s.commit()
    out = {}
    for wid in due:
        with factory() as s:
            try:
                world = get_world(s, wid, lock=True)
                target = min(world_now(world, at_wall), limits().clock_latest)
                if world.clock_mode != "live" or target <= world.clock_now:
                    s.rollback()
                    continue
                out[wid] = len(advance(s, world, target))
                world.next_due = next_due(s, world)
                world.next_due_wall = due_on_the_wall(world, world.next_due)
                s.commit()
            except OperationError as exc:   # e.g. the world was deleted meanwhile
                s.rollback()
                log.warning("live tick: world %s: %s", wid, exc.code)
            except Exception:
                s.rollback()
                log.exception("live tick: world %s failed", wid)
    return out


def due_on_the_wall(world, due: datetime) -> datetime:
    """The wall-clock instant at which a live world's simulated clock reaches ``due``."""
    if due >= NOTHING_DUE or not world.live_speed or world.live_anchor_wall is None:
        return NOTHING_DUE
    try:
        return min(NOTHING_DUE, world.live_anchor_wall + (due - world.live_anchor_sim) / float(world.live_speed))
    except OverflowError:
        return NOTHING_DUE


def next_due(session, world) -> datetime:
    """The earliest instant after the world's now at which a job or due work fires in it."""
    events = next_events(session, world)
    return events[0][0] if events else NOTHING_DUE


def tick(factory: sessionmaker, holder: str, ttl_seconds: float, *, at_wall: datetime | None = None,
         world_ids: list[int] | None = None, name: str = LEASE_NAME) -> dict[int, int] | None:
    """One tick: renew the lease, then advance the live worlds. None when the lease was lost."""
    if not acquire_lease(factory, holder, ttl_seconds, at_wall=at_wall, name=name):
        return None
    return advance_live_worlds(factory, at_wall=at_wall, world_ids=world_ids)


# --- running it ----------------------------------------------------------------------------------

def _scheduler_settings(app) -> tuple[sessionmaker, float, float]:
    return (app.extensions["backoffice.sessions"], float(app.config.get("SCHEDULER_TICK_SECONDS", 1.0)),
            float(app.config.get("SCHEDULER_LEASE_SECONDS", 15)))


def _tick_job(factory, holder, ttl, on_lost: Callable[[], None]):
    def run():
        if tick(factory, holder, ttl) is None:
            log.error("live scheduler lost its lease to another process; stopping")
            on_lost()
    return run


def _on_signals(stop: Callable[[], None]) -> Callable[[], None]:
    """SIGTERM and SIGINT stop the scheduler and release its lease before the process ends (only
    the main thread may install handlers; elsewhere atexit still releases it on a clean exit).
    Returns what puts the previous handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        if threading.current_thread() is threading.main_thread():
            for sig, previous in saved.items():
                signal.signal(sig, previous)

    for sig, previous in saved.items():

        def handler(signum, frame, previous=previous):
            stop()
            if callable(previous):
                previous(signum, frame)
            elif signum == signal.SIGINT:
                raise KeyboardInterrupt
            else:
                raise SystemExit(128 + signum)
        signal.signal(sig, handler)
    return restore


def start_background_scheduler(app) -> bool:
    """Start the live tick in a background thread of this process; False if another holds the lease."""
    from apscheduler.schedulers.background import BackgroundScheduler

    factory, every, ttl = _scheduler_settings(app)
    holder = new_holder()
    if not acquire_lease(factory, holder, ttl):
        return False
    sched = BackgroundScheduler(timezone=SHANGHAI)

    restore = []

    def stop():
        atexit.unregister(stop)
        for undo in restore:
            undo()
        restore.clear()
        if sched.running:
            sched.shutdown(wait=False)
        release_lease(factory, holder)

    sched.add_job(_tick_job(factory, holder, ttl, lambda: sched.shutdown(wait=False)), "interval", seconds=every,
                  id="live-tick", max_instances=1, coalesce=True)
    sched.start()
    app.extensions["backoffice.scheduler"] = {"scheduler": sched, "holder": holder, "stop": stop}
    atexit.register(stop)
    restore.append(_on_signals(stop))
    return True


def stop_background_scheduler(app) -> None:
    running = app.extensions.pop("backoffice.scheduler", None)
    if running:
        running["stop"]()


def stand_by(factory: sessionmaker, holder: str, ttl: float, echo: Callable[[str], None], *,
             poll: float | None = None, give_up_after: float | None = None) -> bool:
    """Wait until the lease is free (released, or expired with its holder gone) and take it.
    False only when ``give_up_after`` seconds pass first."""
    poll = poll if poll is not None else max(ttl / 3, 0.2)
    started = time.monotonic()
    announced = False
    while not acquire_lease(factory, holder, ttl):
        if not announced:
            held = lease_holder(factory)
            who = held.holder if held else "another process"
            echo(f"another scheduler holds the lease ({who}); standing by, taking over within {ttl:g} s of it stopping")
            announced = True
        if give_up_after is not None and time.monotonic() - started >= give_up_after:
            return False
        time.sleep(poll)
    return True


def run_foreground(app, echo: Callable[[str], None] = print, *, wait: bool = True) -> bool:
    """``backoffice scheduler``: run the live tick in this process until SIGTERM or SIGINT, which
    release the lease. With ``wait`` (the default) a held lease is waited for (:func:`stand_by`);
    without it, False at once."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    factory, every, ttl = _scheduler_settings(app)
    holder = new_holder()
    if not acquire_lease(factory, holder, ttl):
        if not wait:
            return False
        try:
            stand_by(factory, holder, ttl, echo)
        except (KeyboardInterrupt, SystemExit):   # stopped while standing by: nothing to release
            return True
    sched = BlockingScheduler(timezone=SHANGHAI)
    sched.add_job(_tick_job(factory, holder, ttl, lambda: sched.shutdown(wait=False)), "interval", seconds=every,
                  id="live-tick", max_instances=1, coalesce=True)
    echo(f"live scheduler {holder}: ticking every {every:g} s (lease {ttl:g} s); Ctrl-C or SIGTERM stops")
    restore = _on_signals(lambda: sched.shutdown(wait=False) if sched.running else None)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        restore()
        release_lease(factory, holder)
    return True
