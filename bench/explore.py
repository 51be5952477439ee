"""Benchmark: the explorer's runs per second, and one explored run against one plain scenario run.

A 4-event exploration of a small world (two taxpayers: the return race plus a red-limit change,
gaps 0 and 3 minutes — 96 runs, each observed by the diagnoser and the four consistency checks).
Prints runs per second, then the time of one explored run (the exploration's time over its runs,
setup included) against one plain in-process scenario run of the same steps (a fresh world from
the same block, the setup, the events in the smallest example's order with its gaps, then, and a
diagnose step), medians of ``--repeat``, and last ``ratio=<explored run / scenario run>``
(target ≤ 1.5).

    python bench/explore.py [--database-url URL] [--repeat 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

RACE = Path(__file__).resolve().parents[1] / "seed_data" / "explorations" / "return_race.yaml"


def exploration_text() -> str:
    text = RACE.read_text(encoding="utf-8")
    # a fourth event: the red limit changes while the race goes on
    return text.replace(
        "order: [[issue_1, issue_2]]",
        '  limit: {actor: h_zhang, op: set_red_limit, args: {taxpayer: acme, amount: "800.00"}}\n'
        "order: [[issue_1, issue_2]]")


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from backoffice.catalogue import load_all
    from backoffice.db import make_engine, make_session_factory
    from backoffice.explore.engine import explore
    from backoffice.explore.loader import load_text
    from backoffice.explore.scenario import class_scenario
    from backoffice.migrate import upgrade
    from backoffice.scenarios.loader import load_data
    from backoffice.scenarios.runner import run_scenario
    from backoffice.worldbuild import template_world
    from backoffice.worlds.service import delete_world, get_world

    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    s = make_session_factory(engine)()
    load_all()
    template_world(s)
    s.commit()
    exploration = load_text(exploration_text(), "bench")
    assert len(exploration.events) == 4

    explored, plain, rates = [], [], []
    result = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = explore(s, exploration)
        took = time.perf_counter() - t0
        explored.append(took / result["runs"])
        rates.append(result["runs"] / took)
    biggest = result["classes"][0]
    scenario = load_data(class_scenario(exploration, biggest), "bench scenario")
    for _ in range(max(args.repeat, 5)):
        t0 = time.perf_counter()
        out = run_scenario(s, scenario)
        plain.append(time.perf_counter() - t0)
        assert out["ok"], out
        delete_world(s, get_world(s, out["world_id"]))
        s.commit()
    e, p = statistics.median(explored), statistics.median(plain)
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    print(f"exploration: {len(exploration.events)} events, {result['runs']} runs ({'exhaustive' if result['exhaustive'] else 'sampled'}), "
          f"{len(result['classes'])} classes")
    print(f"runs per second: {statistics.median(rates):.1f}")
    print(f"one explored run: {e * 1000:.1f} ms (setup, diagnoser and consistency checks included)")
    print(f"one plain scenario run of the same steps: {p * 1000:.1f} ms ({len(scenario.steps)} steps, fresh world)")
    ratio = e / p
    print(f"ratio={ratio:.2f}")
    s.close()
    engine.dispose()
    return ratio


if __name__ == "__main__":
    main()
