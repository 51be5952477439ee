"""SQLite serving a classroom: pages read while a writer holds the write lock."""
from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager

import pytest

from web_support import web_for


@contextmanager
def write_lock(database_url):
    """Another connection holding SQLite's write lock, as a long operation would."""
    conn = sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=1, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


def test_pages_and_api_reads_do_not_wait_for_a_writer(app, db, make_world, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock; PostgreSQL readers never wait for writers")
    web = web_for(app, db, make_world)
    db.rollback()                              # this test's own session must hold nothing either
    with write_lock(database_url):
        t0 = time.perf_counter()
        assert web.c.get("/healthz").status_code == 200
        assert web.get("/console/").status_code == 200
        assert web.get("/control").status_code == 200
        assert web.c.get("/control/class").status_code in (200, 403)
        assert web.c.get("/").status_code == 200
        assert time.perf_counter() - t0 < 5   # the busy timeout is 30 s: nobody waited for the lock
