"""Benchmark: 1,000 forks as a busy classroom makes them, and what they cost.

The pattern of the worlds issue: half the forks copy one world being worked in (an operation, then a
fork of it), half fork the newest copy in a chain (an operation in it, then a fork of it). Prints
  keys      the highest per-world id ÷ the rows of one world (ids are numbered per world: a fork
            copies ids unchanged), and the highest global id (audit, job runs) ÷ every row those
            tables ever received (copies included): both stay near 1, never double;
  time      the median fork time of the last 20 forks ÷ that of the first 20 (target ≤ 1.5).
Last line ``ratio=<time ratio>``.

    python bench/forks.py [--forks 1000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402

SPEC = {"start": "2016-05-03T09:00:00+08:00",
        "officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"}],
        "taxpayers": [{"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
                       "registration_no": "11500000000000000001", "specialist": "h_zhang", "enabled": True,
                       "red_limit": "500.00",
                       "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000050"}]}]}


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--forks", type=int, default=1000)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args(argv)
    from backoffice.db import make_engine, make_session_factory
    from backoffice.dispatch import execute
    from backoffice.migrate import upgrade
    from backoffice.worldbuild import create_world
    from backoffice.worlds.service import fork_world, world_tables

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/forks.db"
    upgrade(url)
    engine = make_engine(url)
    s = make_session_factory(engine)()
    worked = create_world(s, SPEC, name="worked")
    s.commit()
    newest, times = worked, []
    for i in range(args.forks):
        chain = i % 2 == 1
        src = newest if chain else worked
        if chain:
            execute(s, src.id, "h_zhang", "set_red_limit", {"taxpayer": "acme", "amount": f"{i}.00"})
        else:
            no = f"{1000 + i:08d}"
            execute(s, src.id, "h_zhang", "sell_invoices",
                    {"taxpayer": "acme", "code": "150001320410", "start": no, "end": no})
        t0 = time.perf_counter()
        copy = fork_world(s, src, name=f"fork {i}")
        s.commit()
        times.append(time.perf_counter() - t0)
        if chain:
            newest = copy
    per_world = [t for t in world_tables() if [c.name for c in t.primary_key.columns] == ["world_id", "id"]]
    global_keyed = [t for t in world_tables() if [c.name for c in t.primary_key.columns] == ["id"]]
    top_id = max(s.execute(select(func.max(t.c.id))).scalar() or 0 for t in per_world)
    world_rows = sum(s.execute(select(func.count()).select_from(t).where(t.c.world_id == worked.id)).scalar()
                     for t in per_world)
    top_global = max(s.execute(select(func.max(t.c.id))).scalar() or 0 for t in global_keyed)
    global_rows = sum(s.execute(select(func.count()).select_from(t)).scalar() for t in global_keyed)
    first, last = statistics.median(times[:20]), statistics.median(times[-20:])
    print(f"database: {engine.url.render_as_string(hide_password=True)}  forks: {args.forks}")
    print(f"keys: highest per-world id {top_id} ÷ rows of one world {world_rows} = {top_id / world_rows:.2f}; "
          f"highest global id {top_global} ÷ rows those tables hold {global_rows} = {top_global / global_rows:.2f}")
    print(f"time: median of the first 20 forks {first * 1000:.1f} ms, of the last 20 {last * 1000:.1f} ms")
    ratio = last / first
    print(f"ratio={ratio:.2f}")
    s.close()
    engine.dispose()
    return ratio


if __name__ == "__main__":
    main()
