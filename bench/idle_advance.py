"""Benchmark: advancing an idle world 30 days costs what advancing it 1 day costs.

A world of N enabled taxpayers, every one already synced (accounts, industries), nothing pending.
Advances it by 1 day and by 30 days, alternately, a few times; prints the best times, the SQL
statements each advance issued, the peak memory, and last ``ratio=<30 days / 1 day>`` (target ≤ 2).

    python bench/idle_advance.py [--taxpayers 10000] [--database-url URL] [--repeat 3]
"""
from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, func, select  # noqa: E402

from nightly_clearing import NIGHT, START, open_db, peak_mib, populate  # noqa: E402


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--taxpayers", type=int, default=10_000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from backoffice.clock import advance, load_jobs
    from backoffice.sync import nightly
    from backoffice.sync.models import JobRun
    from backoffice.worldbuild import create_world
    from jobs.schedules import batch_size

    url, engine, factory = open_db(args.database_url)
    s = factory()
    load_jobs()
    w = create_world(s, {"start": START.isoformat()}, name="bench idle")
    s.commit()
    populate(s, w, args.taxpayers)
    nightly.run(s, w, NIGHT, batch=batch_size(), commit=True)   # everything delivered: the world is idle
    w.clock_now = NIGHT
    s.commit()
    print(f"database: {engine.url.render_as_string(hide_password=True)}  taxpayers: {args.taxpayers}")

    statements = []
    event.listen(engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
    best = {1: float("inf"), 30: float("inf")}
    issued = {}
    for _ in range(args.repeat):
        for days in (1, 30):
            statements.clear()
            t0 = time.perf_counter()
            fired = advance(s, w, w.clock_now + timedelta(days=days))
            best[days] = min(best[days], time.perf_counter() - t0)
            issued[days] = len(statements)
            assert fired == [], fired
    runs = s.execute(select(func.count()).select_from(JobRun).where(JobRun.world_id == w.id)).scalar()
    print(f"advance 1 day:   {best[1] * 1000:.1f} ms, {issued[1]} SQL statements")
    print(f"advance 30 days: {best[30] * 1000:.1f} ms, {issued[30]} SQL statements")
    print(f"job runs recorded: {runs}")
    print(f"peak memory: {peak_mib():.0f} MiB (max RSS)")
    ratio = best[30] / best[1]
    print(f"ratio={ratio:.2f}")
    s.close()
    engine.dispose()
    return ratio


if __name__ == "__main__":
    main()
