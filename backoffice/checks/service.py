"""Running the consistency checks over one world (``backoffice check``, the API, the control room,
``observe: {check: true}`` in explorations).

Each invariant is a few set-based statements over that one world, each limited to ``limit`` rows:
a check costs what it reports, whatever the number of worlds. Reading only: nothing is written.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..clock import fmt
from .delivery import lost_delivery, wangpiao_ahead_of_jinsan
from .holding import double_holding, issued_outside_holding

INVARIANTS = {
    "issued_outside_holding": issued_outside_holding,
    "double_holding": double_holding,
    "wangpiao_ahead_of_jinsan": wangpiao_ahead_of_jinsan,
    "lost_delivery": lost_delivery,
}
LABELS = {
    "issued_outside_holding": ("开具了金三未发售给该纳税人的号码", "a number issued that 金三 did not hold for the taxpayer"),
    "double_holding": ("同一号码同时由两个纳税人持有", "one number held in 网票 by two taxpayers at once"),
    "wangpiao_ahead_of_jinsan": ("网票持有金三从未有过的数据", "网票 holds what 金三 never had"),
    "lost_delivery": ("同步数据丢失", "a delivery lost on the way"),
}
LIMIT = 100


def check_world(session: Session, world, *, limit: int = LIMIT, only: list[str] | None = None) -> dict:
    """Every violation found (at most ``limit`` per invariant), oldest first within each."""
    session.flush()
    violations: list[dict] = []
    counts: dict[str, int] = {}
    truncated: list[str] = []
    for name, check in INVARIANTS.items():
        if only is not None and name not in only:
            continue
        found = check(session, world, limit + 1)
        if len(found) > limit:
            truncated.append(name)
            found = found[:limit]
        counts[name] = len(found)
        violations.extend(found)
    return {"world_id": world.id, "at": fmt(world.clock_now), "ok": not violations, "counts": counts,
            "violated": [n for n in INVARIANTS if counts.get(n)], "truncated": truncated,
            "violations": violations}


def violated(session: Session, world) -> list[str]:
    """Only the names of the invariants violated (what an exploration's outcome holds)."""
    return [name for name, check in INVARIANTS.items() if check(session, world, 1)]
