"""Scheduler handover between processes (issue 11): SIGTERM and SIGINT release the lease, so a
restart takes over at once; a scheduler started while another holds the lease stands by and takes
over within the lease's TTL when the holder stops or dies."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from backoffice.sync.scheduler import lease_holder

TTL = 6   # generous: on a loaded CI machine a tick may lag a few seconds


def _start(database_url: str, tmp_path, name: str) -> subprocess.Popen:
    exe = shutil.which("backoffice") or os.path.join(os.path.dirname(sys.executable), "backoffice")
    env = dict(os.environ, BACKOFFICE_DATABASE_URL=database_url, BACKOFFICE_INSTANCE_PATH=str(tmp_path),
               BACKOFFICE_SECRET_KEY="handover-test", BACKOFFICE_SCHEDULER_LEASE_SECONDS=str(TTL),
               BACKOFFICE_SCHEDULER_TICK_SECONDS="0.5", PYTHONUNBUFFERED="1")
    with open(tmp_path / f"{name}.log", "w") as log:
        return subprocess.Popen([exe, "scheduler"], env=env, stdout=log, stderr=subprocess.STDOUT)


def _holder_pid(factory) -> int | None:
    held = lease_holder(factory)
    return int(held.holder.split(":")[1]) if held else None


def _wait_for(predicate, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.fixture
def procs():
    started: list[subprocess.Popen] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
        p.wait(timeout=10)


def test_sigterm_releases_the_lease_and_a_standby_takes_over(app, database_url, tmp_path, procs):
    factory = app.extensions["backoffice.sessions"]
    assert lease_holder(factory) is None
    first = _start(database_url, tmp_path, "first")
    procs.append(first)
    assert _wait_for(lambda: _holder_pid(factory) == first.pid, 30), "the first scheduler never took the lease"

    second = _start(database_url, tmp_path, "second")
    procs.append(second)
    assert _wait_for(lambda: "standing by" in (tmp_path / "second.log").read_text(), 30), \
        (tmp_path / "second.log").read_text()
    assert second.poll() is None, "a second scheduler must stand by, not exit"
    assert _holder_pid(factory) == first.pid

    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=15) is not None
    # released at once: the standby (trying every TTL/3) has it well within one TTL
    assert _wait_for(lambda: _holder_pid(factory) == second.pid, TTL + 1)

    # a holder that dies without releasing: a new standby takes over once the lease expires
    third = _start(database_url, tmp_path, "third")
    procs.append(third)
    assert _wait_for(lambda: "standing by" in (tmp_path / "third.log").read_text(), 30)
    second.kill()
    second.wait(timeout=10)
    died = time.monotonic()
    assert _wait_for(lambda: _holder_pid(factory) == third.pid, TTL + 3)
    assert time.monotonic() - died <= TTL + 3

    third.send_signal(signal.SIGINT)
    third.wait(timeout=15)
    assert _wait_for(lambda: lease_holder(factory) is None, 5), "SIGINT must release the lease"
