"""The ops channel (docs/behaviour.md §5): what 网票后台运维 change in 金三 and 网票 at once.

营改增 and dual flags (FAQ 5.1, 5.2) are written to both sides in the same transaction; a CA
cancellation (FAQ 6.2) is done by ops 30–60 minutes after the request (a due work item); a
remade U-Key (FAQ 6.1, ops standing in for the device vendor) works at once; blank 地税 invoices
sold by the 地税 office (FAQ 5.3, the 地税专管员 standing in for it) count in 网票 at once. These
operations read 金三 and write 网票, so they belong to the sync layer: 金三 never imports 网票.

Flags set before the 网票 account exists reach it with the account (the sync reads 金三's flags
when it creates the account), so nothing is lost either way.
"""
from __future__ import annotations

from datetime import timedelta

from pydantic import Field, StrictBool, StrictInt
from sqlalchemy import select

from ..catalogue import Args, Ref, operation
from ..clock import fmt, register_work
from ..errors import OperationError, invalid
from ..jinsan.models import Taxpayer
from ..jinsan.operations import TaxpayerArgs, taxpayer_for
from ..jinsan.queries import taxpayer_by_ref
from ..seed import sync_config
from ..wangpiao.models import PcMachine, WpAccount
from .faults import gate_ca_cancel
from .models import WorkItem

CA_CANCEL = "ca_cancel"   # the work item kind (and its label in the control room)


class FlagArgs(Args):
    taxpayer: Ref
    value: StrictBool


def wp_account(session, world_id: int, tp: Taxpayer) -> WpAccount | None:
    return session.execute(select(WpAccount).where(WpAccount.world_id == world_id,
                                                   WpAccount.source_taxpayer_id == tp.id)).scalar_one_or_none()


def _set_flag(ctx, args: FlagArgs, name: str) -> dict:
    tp = taxpayer_for(ctx, args.taxpayer)
    ctx.seq()
    setattr(tp, name, args.value)
    account = wp_account(ctx.session, ctx.world.id, tp)
    if account is not None:   # the ops channel writes 网票 at once (docs/behaviour.md §5)
        setattr(account, name, args.value)
    return {"taxpayer": tp.ref, name: args.value, "wangpiao_updated": account is not None}


@operation("set_ygz_flag", zh="营改增标识", en="Set 营改增 flag", args=FlagArgs)
def set_ygz_flag(ctx, args: FlagArgs) -> dict:
    """Ops change the 营改增 flag, e.g. for a 地税 user who upgraded by mistake (FAQ 5.1)."""
    return _set_flag(ctx, args, "ygz")


@operation("set_dual_flag", zh="国地税同时开票标识", en="Set dual (国税 + 地税) flag", args=FlagArgs)
def set_dual_flag(ctx, args: FlagArgs) -> dict:
    """Ops let a 营改增 taxpayer keep issuing 地税 invoices too (FAQ 5.2)."""
    return _set_flag(ctx, args, "dual")


@operation("cancel_ca", zh="取消CA", en="Cancel CA", args=TaxpayerArgs)
def cancel_ca(ctx, args: TaxpayerArgs) -> dict:
    """Ops cancel a PC CA user's CA 30–60 minutes after the request (FAQ 6.2); device CA cannot be.

    Asking again while a request is pending changes nothing and reports the time already set. A
    网票 account the sync creates after the cancellation is created without CA (it reads 金三).
    """
    tp = taxpayer_for(ctx, args.taxpayer)
    if tp.ca == "device":
        raise OperationError("CA_CANNOT_CANCEL", field="taxpayer")
    if tp.ca != "pc":
        raise invalid("taxpayer", f"{tp.ref} is not a CA user", f"{tp.ref} 不是 CA 用户")
    if tp.ca_cancelled_at is not None:
        raise invalid("taxpayer", f"{tp.ref}'s CA was already cancelled at {fmt(tp.ca_cancelled_at)}",
                      f"{tp.ref} 的 CA 已于 {fmt(tp.ca_cancelled_at)} 取消")
    if not tp.wangpiao_enabled:   # FAQ 6.2 step 1: check with the specialist that 网票 is enabled
        raise invalid("taxpayer", f"网票 is not enabled for {tp.ref}: ask its specialist to enable it first",
                      f"{tp.ref} 未开通网票功能：请先与国税专管员核实开通")
    pending = ctx.session.execute(select(WorkItem).where(
        WorkItem.world_id == ctx.world.id, WorkItem.kind == CA_CANCEL, WorkItem.taxpayer_ref == tp.ref,
        WorkItem.done_at.is_(None)).order_by(WorkItem.id).limit(1)).scalar_one_or_none()
    if pending is not None:
        return {"taxpayer": tp.ref, "requested_at": fmt(tp.ca_cancel_requested_at), "due_at": fmt(pending.due_at),
                "already_requested": True}
    delays = sync_config()["delays"]
    minutes = ctx.rng().randint(delays["ca_cancel_min_minutes"], delays["ca_cancel_max_minutes"])
    tp.ca_cancel_requested_at = ctx.now
    item = WorkItem(world_id=ctx.world.id, kind=CA_CANCEL, due_at=ctx.now + timedelta(minutes=minutes),
                    payload={}, created_at=ctx.now, taxpayer_ref=tp.ref)
    ctx.session.add(item)
    return {"taxpayer": tp.ref, "requested_at": fmt(ctx.now), "due_at": fmt(item.due_at), "already_requested": False}


def _finish_ca_cancel(session, world, item: WorkItem, at) -> None:
    gate_ca_cancel(session, world, item, at)   # an injected fault loses or holds back the request
    tp = taxpayer_by_ref(session, world.id, item.taxpayer_ref)
    if tp is None:
        return
    tp.ca_cancelled_at = at
    account = wp_account(session, world.id, tp)
    if account is not None:
        account.ca_cancelled = True


register_work(CA_CANCEL, _finish_ca_cancel)


@operation("remake_ukey", zh="重新制作U-Key", en="Remake U-Key", args=TaxpayerArgs)
def remake_ukey(ctx, args: TaxpayerArgs) -> dict:
    """Standing in for the device vendor (FAQ 6.1): CA cache that never uploaded works again at once."""
    tp = taxpayer_for(ctx, args.taxpayer)
    if tp.ca == "none":
        raise invalid("taxpayer", f"{tp.ref} is not a CA user", f"{tp.ref} 不是 CA 用户")
    ctx.seq()
    machine = ctx.session.execute(select(PcMachine).where(PcMachine.world_id == ctx.world.id,
                                                          PcMachine.taxpayer_ref == tp.ref)).scalar_one_or_none()
    was_stuck = bool(machine and machine.ca_cache_stuck)
    if machine is not None:
        machine.ca_cache_stuck = False
    return {"taxpayer": tp.ref, "was_stuck": was_stuck}


class BlankInvoicesArgs(Args):
    taxpayer: Ref
    count: StrictInt = Field(ge=1, le=1000)


@operation("sell_ds_blank_invoices", zh="发售空白地税发票", en="Sell blank 地税 invoices", args=BlankInvoicesArgs)
def sell_ds_blank_invoices(ctx, args: BlankInvoicesArgs) -> dict:
    """Blank 地税 invoices sold by the 地税 tax office: a 冲红 of an old 地税 invoice consumes one
    (FAQ 5.3 注意). The 地税专管员 stands for that office; 网票 counts them at once."""
    tp = taxpayer_for(ctx, args.taxpayer)
    account = wp_account(ctx.session, ctx.world.id, tp)
    if account is None:
        raise invalid("taxpayer", f"{tp.ref} has no 网票 account yet", f"{tp.ref} 尚无网票帐号")
    ctx.seq()
    account.ds_blank_invoices += args.count
    return {"taxpayer": tp.ref, "sold": args.count, "ds_blank_invoices": account.ds_blank_invoices}
