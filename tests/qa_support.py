"""Shared builders for the QA tests (faults, checks, explorations); no tests here."""
from __future__ import annotations

from sqlalchemy import func, select

from backoffice.dispatch import advance_clock
from backoffice.sync.faults import apply_step
from test_wangpiao_support import OFFICER, ROLL, login, taxpayer

OPS = {"login": "h_yang", "name": "杨帆", "role": "ops"}
BRAVO_REG = "11500000000000000002"


def bravo(**over) -> dict:
    """A second enabled taxpayer of the same specialist, holding nothing yet."""
    t = taxpayer(ref="bravo", name="重庆某某贸易有限公司", tax_id="91500000MA5U0A0B0G", registration_no=BRAVO_REG,
                 purchases=[])
    t.update(over)
    return t


def two_taxpayers(**acme_over) -> dict:
    return {"officers": [OFFICER, OPS], "taxpayers": [taxpayer(**acme_over), bravo()]}


def until(db, world, text: str) -> dict:
    return advance_clock(db, world.id, until=text)


def fault(db, world, value) -> dict:
    return apply_step(db, world.id, value, actor="test")


def issuing(op, world, *, start="00000001", end="00000100") -> str:
    """acme's 系统管理员 logged in with a segment and amounts: its token."""
    token = login(op, world)
    op(world, "acme", "allocate_segment", token, invoicer="系统管理员", code=ROLL, start=start, end=end)
    op(world, "acme", "allocate_amounts", token, invoicer="系统管理员", red_amount="500.00", cache_amount="10000.00")
    return token


def issue(op, world, token) -> str:
    return op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="100.00")["number"]


def count(db, model, world, *where) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(model.world_id == world.id, *where))
