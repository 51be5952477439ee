"""Live mode: one APScheduler interval job, a tick (SCHEDULER_TICK_SECONDS, default 1 s), that
advances every live world to its own "now" (offset + speed × elapsed wall time) through the very
same ``clock.advance`` the manual mode uses, so the two modes cannot disagree (SPEC.md §2).

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
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from ..clock import SHANGHAI, advance, wall_now, world_now
from ..errors import OperationError
from ..worlds.models import World
from ..worlds.service import get_world
from .models import SchedulerLease

LEASE_NAME = "live-scheduler"
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

def advance_live_worlds(factory: sessionmaker, *, at_wall: datetime | None = None,
                        world_ids: list[int] | None = None) -> dict[int, int]:
    """Advance each live world to its own now; {world id: events fired}. One world's failure is
    logged and does not hold back the others."""
    at_wall = at_wall or wall_now()
    with factory() as s:
        stmt = select(World.id).where(World.clock_mode == "live", World.is_template.is_(False))
        if world_ids is not None:
            stmt = stmt.where(World.id.in_(world_ids))
        ids = list(s.scalars(stmt.order_by(World.id)))
    out = {}
    for wid in ids:
        with factory() as s:
            try:
                world = get_world(s, wid, lock=True)
                target = world_now(world, at_wall)
                if world.clock_mode != "live" or target <= world.clock_now:
                    s.rollback()
                    continue
                out[wid] = len(advance(s, world, target))
            except OperationError as exc:   # e.g. the world was deleted meanwhile
                s.rollback()
                log.warning("live tick: world %s: %s", wid, exc.code)
            except Exception:
                s.rollback()
                log.exception("live tick: world %s failed", wid)
    return out


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
