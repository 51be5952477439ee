"""Running an exploration: the setup once, then each run in a fork of the world it left.

Every run forks the world after ``setup`` (网票 sessions included: the fork copies them and the
runner hands the same tokens back), applies the events in the run's order with its gaps, runs
``then``, and observes: each ``then`` step's outcome (ok or its failure code), the diagnoser's
first problem per observed taxpayer and, with ``check``, the invariants violated. A run happens
inside one database transaction that is rolled back at its end, so thousands of runs leave no
worlds behind and cost no deletes; the lock it takes (SQLite) is held for one run only.

Runs with equal outcomes form a class; each class keeps its smallest example (fewest events moved
from the file's own order, then smallest gaps).
"""
from __future__ import annotations

import json
from typing import Callable

from sqlalchemy.orm import Session

from ..checks.service import violated
from ..dispatch import advance_clock
from ..scenarios.runner import run_step
from ..worldbuild import create_world
from ..worlds.service import delete_world, fork_world, get_world
from .loader import Exploration, ExplorationError
from .space import Run, Space

DEFAULT_MAX = 2000


def outcome_code(row: dict) -> str:
    """A step's outcome as a class key: ok, the failure code, or CRASH (a bug, not a finding)."""
    got = row.get("got")
    if isinstance(got, str):
        return "CRASH" if got.startswith("CRASH") else got
    return "ok" if row.get("ok") else "ERROR"


def _diagnoser():
    from ..scenarios.diagnose import diagnose_taxpayer
    return diagnose_taxpayer


def prepare(session: Session, exploration: Exploration, *, owner_id: int | None = None) -> tuple[int, dict]:
    """Build the world and run ``setup`` in it (committed): (world id, the 网票 session tokens)."""
    try:
        world = create_world(session, exploration.world, name=f"exploration: {exploration.name}"[:200],
                             owner_id=owner_id)
        session.commit()
    except Exception as exc:
        session.rollback()
        reason = getattr(exc, "reason", None) or str(exc)
        raise ExplorationError(exploration.path, reason, field=getattr(exc, "field", None) or "world",
                               reason_zh=getattr(exc, "reason_zh", None)) from None
    tokens: dict[str, str] = {}
    for step in exploration.setup:
        row = run_step(session, world.id, step, tokens)
        if not row["ok"]:
            discard(session, world.id)
            raise ExplorationError(exploration.path, f"the setup does not hold: step {step.n} ({row['op']}) "
                                                     f"expected {row['expected']}, got {row['got']}",
                                   field=f"setup.{step.n}",
                                   reason_zh=f"setup 不成立：第 {step.n} 步（{row['op']}）预期 {row['expected']}，"
                                             f"实际 {row['got']}")
    return world.id, tokens


def discard(session: Session, world_id: int) -> None:
    session.rollback()
    delete_world(session, get_world(session, world_id))
    session.commit()


def run_steps(session: Session, world_id: int, exploration: Exploration, run: Run, tokens: dict) -> tuple[dict, list]:
    """Apply one run's events and gaps, then ``then``: (event outcomes by name, then outcomes)."""
    names = exploration.names
    events: dict[str, str] = {}
    for k, e in enumerate(run.order):
        if k and run.gaps[k - 1].delta:
            advance_clock(session, world_id, by=run.gaps[k - 1].text, actor="exploration")
        events[names[e]] = outcome_code(run_step(session, world_id, exploration.events[names[e]], tokens))
    then = [outcome_code(run_step(session, world_id, step, tokens)) for step in exploration.then]
    return events, then


def observe(session: Session, world_id: int, exploration: Exploration, then: list[str]) -> dict:
    world = get_world(session, world_id)
    diagnose = {}
    if exploration.diagnose:
        diagnose_taxpayer = _diagnoser()
        for ref in exploration.diagnose:
            res = diagnose_taxpayer(session, world, ref, world.clock_now)
            diagnose[ref] = {"faq": res["faq"], "code": res["code"]}
    return {"then": then, "diagnose": diagnose, "violations": violated(session, world) if exploration.check else []}


def run_once(engine, exploration: Exploration, world_id: int, tokens: dict, run: Run) -> tuple[dict, dict]:
    """One run in a fork of the prepared world, inside a transaction rolled back at the end."""
    conn = engine.connect()
    trans = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        fork = fork_world(session, get_world(session, world_id), name="exploration run")
        session.commit()
        events, then = run_steps(session, fork.id, exploration, run, dict(tokens))
        return observe(session, fork.id, exploration, then), events
    finally:
        session.close()
        trans.rollback()
        conn.close()


def explore(session: Session, exploration: Exploration, *, max_runs: int = DEFAULT_MAX, seed: int = 0,
            owner_id: int | None = None, progress: Callable[[int, int], None] | None = None) -> dict:
    """Explore ``exploration``; returns the result document (docs/explorations.md, "Output")."""
    space = Space(exploration)
    indices, exhaustive = space.plan(max_runs, seed)
    world_id, tokens = prepare(session, exploration, owner_id=owner_id)
    engine = session.get_bind()
    classes: dict[str, dict] = {}
    try:
        for done, index in enumerate(indices, start=1):
            run = space.run_at(index)
            outcome, events = run_once(engine, exploration, world_id, tokens, run)
            key = json.dumps(outcome, sort_keys=True, ensure_ascii=False)
            cls = classes.get(key)
            if cls is None:
                classes[key] = {"outcome": outcome, "count": 1, "run": run, "events": events}
            else:
                cls["count"] += 1
                if run.smallness() < cls["run"].smallness():
                    cls["run"], cls["events"] = run, events
            if progress:
                progress(done, len(indices))
    finally:
        discard(session, world_id)
    return result_document(exploration, space, len(indices), exhaustive, seed, classes.values())


def result_document(exploration: Exploration, space: Space, runs: int, exhaustive: bool, seed: int, classes) -> dict:
    names = exploration.names
    ordered = sorted(classes, key=lambda c: (-c["count"], c["run"].smallness()))
    return {
        "name": exploration.name, "runs": runs, "space": space.size, "exhaustive": exhaustive, "seed": seed,
        "classes": [{"outcome": c["outcome"], "count": c["count"],
                     "example": {"order": [names[e] for e in c["run"].order],
                                 "gaps": [g.text for g in c["run"].gaps],
                                 "events": c["events"]}} for c in ordered],
    }


def example_run(exploration: Exploration, example: dict) -> Run:
    """The run an example names (its order and gaps, as the result document gives them)."""
    names = exploration.names
    order = example.get("order")
    if not isinstance(order, list) or sorted(order) != sorted(names):
        raise ExplorationError(exploration.path, "the example does not order this exploration's events",
                               field="example.order", reason_zh="该示例排列的不是本探索的事件")
    by_text = {g.text: g for g in exploration.gaps}
    gaps = example.get("gaps") or []
    if len(gaps) != max(len(names) - 1, 0) or any(g not in by_text for g in gaps):
        raise ExplorationError(exploration.path, "the example's gaps are not this exploration's",
                               field="example.gaps", reason_zh="该示例的间隔不属于本探索")
    return Run(-1, tuple(names.index(n) for n in order), tuple(by_text[g] for g in gaps))


def replay(session: Session, exploration: Exploration, example: dict, *, owner_id: int | None = None,
           name: str | None = None) -> int:
    """Build the example's run as a world of its own (kept): setup, events, then. Returns its id."""
    run = example_run(exploration, example)
    world_id, tokens = prepare(session, exploration, owner_id=owner_id)
    world = get_world(session, world_id)
    world.name = (name or f"{exploration.name}: {' → '.join(example['order'])}")[:200]
    session.commit()
    run_steps(session, world_id, exploration, run, tokens)
    return world_id


__all__ = ["explore", "replay", "prepare", "run_once", "example_run", "DEFAULT_MAX"]
