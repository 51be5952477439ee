"""Two officers selling overlapping ranges at the same moment: a number is sold to one taxpayer only.

Each thread has its own session and connection, as two web requests would. Run on PostgreSQL too
(BACKOFFICE_DATABASE_URL), where the guarantee is the world row lock taken by dispatch.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from stdnum.cn import uscc

from backoffice.dispatch import execute
from backoffice.errors import OperationError
from backoffice.jinsan.models import Sale

WP = "150001320410"


def _taxpayer(ref: str, n: int, specialist: str) -> dict:
    base = f"91500000MA5U{n:05d}"
    return {"ref": ref, "kind": "unit", "name": f"重庆{ref}有限公司", "tax_id": base + uscc.calc_check_digit(base),
            "registration_no": f"1150{n:016d}", "specialist": specialist}


def _race(app, world_id: int, calls: list[tuple[str, dict]]) -> list[str | None]:
    """Run the calls at once, each in its own session; the outcome of each: None or an error code."""
    factory = app.extensions["backoffice.sessions"]
    barrier = threading.Barrier(len(calls))
    outcomes: list[str | None] = [None] * len(calls)
    crashes: list[BaseException] = []

    def run(i: int, actor: str, args: dict) -> None:
        session = factory()
        try:
            barrier.wait(timeout=10)
            execute(session, world_id, actor, "sell_invoices", args)
        except OperationError as exc:
            outcomes[i] = exc.code
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            crashes.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(i, actor, args)) for i, (actor, args) in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a sale hung"
    if crashes:
        raise crashes[0]
    return outcomes


@pytest.mark.parametrize("round_no", range(3))
def test_overlapping_sales_at_the_same_time_sell_each_number_once(app, db, make_world, round_no):
    w = make_world({
        "officers": [{"login": "h_a", "name": "张明", "role": "specialist"},
                     {"login": "h_b", "name": "李强", "role": "specialist"}],
        "taxpayers": [_taxpayer("acme", 1, "h_a"), _taxpayer("beta", 2, "h_b")],
    })   # committed: the other connections see it
    lo = 1000 * round_no + 1
    outcomes = _race(app, w.id, [
        ("h_a", {"taxpayer": "acme", "code": WP, "start": f"{lo:08d}", "end": f"{lo + 99:08d}"}),
        ("h_b", {"taxpayer": "beta", "code": WP, "start": f"{lo + 50:08d}", "end": f"{lo + 149:08d}"}),
    ])
    assert sorted(outcomes, key=str) == [None, "RANGE_UNAVAILABLE"], outcomes
    db.expire_all()
    sales = list(db.scalars(select(Sale).where(Sale.world_id == w.id, Sale.code == WP)))
    assert len(sales) == 1
    winner = 0 if outcomes[0] is None else 1
    assert sales[0].start_no == lo + 50 * winner


def test_disjoint_sales_at_the_same_time_both_succeed(app, db, make_world):
    w = make_world({
        "officers": [{"login": "h_a", "name": "张明", "role": "specialist"}],
        "taxpayers": [_taxpayer("acme", 1, "h_a"), _taxpayer("beta", 2, "h_a")],
    })
    outcomes = _race(app, w.id, [
        ("h_a", {"taxpayer": "acme", "code": WP, "start": "00000001", "end": "00000100"}),
        ("h_a", {"taxpayer": "beta", "code": WP, "start": "00000101", "end": "00000200"}),
    ])
    assert outcomes == [None, None]
    db.expire_all()
    seqs = sorted(s.seq for s in db.scalars(select(Sale).where(Sale.world_id == w.id)))
    assert len(seqs) == 2 and seqs[0] != seqs[1]   # each sale has its own place in the sequence
