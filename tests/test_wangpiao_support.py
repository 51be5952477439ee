"""Shared builders for the 网票 tests (no tests here): worlds with taxpayers already delivered to 网票."""
from __future__ import annotations

from sqlalchemy import func, select

from backoffice.dispatch import execute
from backoffice.wangpiao import models as wp

TAX_ID = "91500000MA5U0A0A2M"          # default password from it: "000020"
REG_NO = "11500000000000000001"        # default password from it: "000001"
ROLL = "150001320410"                  # 32010 卷式 76 mm
THREE = "150001320230"                 # 23130 三联 210×139.7
OFFICER = {"login": "h_zhang", "name": "张明", "role": "specialist"}


def taxpayer(**over) -> dict:
    t = {"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": TAX_ID,
         "registration_no": REG_NO, "specialist": "h_zhang", "enabled": True,
         "industries": {"main": "7240"}, "red_limit": "1000.00",
         "purchases": [{"code": ROLL, "start": "00000001", "end": "00000100"}]}
    t.update(over)
    return t


def spec(*taxpayers: dict) -> dict:
    return {"officers": [OFFICER], "taxpayers": list(taxpayers) or [taxpayer()]}


def call(db, world, actor, op_name, token=None, /, **args) -> dict:
    """Like the ``op`` fixture, for operations whose arguments include ``name``."""
    return execute(db, world.id, actor, op_name, args, wp_token=token)


def login(op, world, actor="acme", **args) -> str:
    args.setdefault("account", REG_NO)
    args.setdefault("password", "000001")
    return op(world, actor, "login", **args)["session"]


def counts(db, world) -> dict:
    """Rows per 网票/PC table of the world: a rejected operation leaves them all as they were."""
    out = {}
    for model in (wp.WpAccount, wp.WpInvoicer, wp.WpSegment, wp.WpInvoice, wp.WpRedReversal, wp.WpDsInvoice,
                  wp.WpPrinter, wp.WpSession, wp.PcMachine, wp.PcInstall, wp.PcLeftover):
        out[model.__tablename__] = db.scalar(select(func.count()).select_from(model)
                                             .where(model.world_id == world.id))
    return out


def account(db, world, ref="acme") -> wp.WpAccount:
    db.expire_all()
    return db.execute(select(wp.WpAccount).where(wp.WpAccount.world_id == world.id,
                                                 wp.WpAccount.ref == ref)).scalar_one()


def ready_invoicer(op, world, token, name="系统管理员", *, red="500.00", cache="10000.00",
                   start="00000001", end="00000010", code=ROLL) -> None:
    """FAQ 4.3 steps 5–6: a segment and the two amounts, so the 开票员 may issue."""
    op(world, "acme", "allocate_segment", token, invoicer=name, code=code, start=start, end=end)
    op(world, "acme", "allocate_amounts", token, invoicer=name, red_amount=red, cache_amount=cache)
