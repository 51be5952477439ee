"""Benchmark: the live scheduler's tick with 500 idle live worlds vs with one.

Worlds in live mode with nothing due cost the tick a row of one query and a row of one statement
(their clocks move together); only a world with something due is locked and advanced. Prints the
median tick time with 1 and with N idle live worlds, and last ``ratio=<N ÷ 1>`` (target ≤ 3).

    python bench/live_tick.py [--worlds 500] [--ticks 30] [--database-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import update  # noqa: E402


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worlds", type=int, default=500)
    ap.add_argument("--ticks", type=int, default=30)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args(argv)
    from backoffice.clock import wall_now
    from backoffice.db import make_engine, make_session_factory
    from backoffice.migrate import upgrade
    from backoffice.sync.scheduler import advance_live_worlds
    from backoffice.worldbuild import create_world
    from backoffice.worlds.models import World
    from backoffice.worlds.service import fork_worlds

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/tick.db"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with factory() as s:
        first = create_world(s, {"start": "2016-05-03T09:00:00+08:00"}, name="live 0")
        s.flush()
        others = fork_worlds(s, first, [{"name": f"live {i}"} for i in range(1, args.worlds)])
        ids = [first.id] + [w.id for w in others]
        s.commit()
    wall = wall_now()

    def live(world_ids):
        with factory() as s:
            s.execute(update(World).where(World.id.in_(ids)).values(clock_mode="manual", next_due=None))
            s.execute(update(World).where(World.id.in_(world_ids))
                      .values(clock_mode="live", live_speed=1.0, live_anchor_wall=wall,
                              live_anchor_sim=World.clock_now))
            s.commit()

    def ticks(n_worlds: int) -> float:
        live(ids[:n_worlds])
        advance_live_worlds(factory, at_wall=wall + timedelta(seconds=1))   # works out what is due: nothing
        out = []
        for i in range(args.ticks):
            t0 = time.perf_counter()
            fired = advance_live_worlds(factory, at_wall=wall + timedelta(seconds=2 + i))
            out.append(time.perf_counter() - t0)
            assert fired == {}, fired
        return statistics.median(out)

    one, many, one_again = ticks(1), ticks(args.worlds), ticks(1)
    base = statistics.median([one, one_again])
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    print(f"tick with 1 live world {base * 1000:.2f} ms, with {args.worlds} idle live worlds {many * 1000:.2f} ms")
    ratio = many / base
    print(f"ratio={ratio:.2f}")
    engine.dispose()
    return ratio


if __name__ == "__main__":
    main()
