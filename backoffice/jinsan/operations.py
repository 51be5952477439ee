"""金三 officer operations (docs/behaviour.md §4, §5): what specialists, 征管科 and 网票 ops do.

Roles come from seed_data/roles.yaml and are checked by dispatch before the input; here a
specialist is further held to the taxpayers assigned to it. Operations flush, never commit.
Changes 网票 must learn of go to the Change outbox, which the sync channels deliver; the ops
channel (营改增/dual flags, CA, U-Key), which acts on 网票 at once, is a channel too and lives in
``backoffice.sync.ops``: 金三 never imports 网票.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from typing import Annotated

from pydantic import Field
from sqlalchemy import delete, select

from ..catalogue import Amount, Args, LongText, RangeArgs, Ref, Text, operation
from ..clock import fmt
from ..errors import OperationError, invalid
from ..seed import sync_config
from .models import Change, Item, ItemRequest, Return, Sale, Taxpayer, TaxpayerIndustry
from .queries import (held_sales, industries_holding, industry_by_key, is_wangpiao_code, overlapping_sales,
                      stock_block, taxpayer_by_ref, used_numbers)

MAX_SECONDARY_INDUSTRIES = 3   # FAQ 4.5: one main and three 附行业


# --- argument models -----------------------------------------------------------------------------

class TaxpayerArgs(Args):
    taxpayer: Ref


class SaleArgs(RangeArgs):
    taxpayer: Ref


class RedLimitArgs(Args):
    taxpayer: Ref
    amount: Amount


class IndustriesArgs(Args):
    taxpayer: Ref
    main: Text
    secondary: Annotated[list[Text], Field(max_length=10)] = []


class ItemRequestArgs(Args):
    taxpayer: Ref
    item: Text


class ApproveItemArgs(Args):
    item: Text
    industry: Text


class RejectItemArgs(Args):
    item: Text
    reason: LongText


# --- shared rules --------------------------------------------------------------------------------

def _no(n: int) -> str:
    return f"{n:08d}"


def _taxpayer(ctx, ref: str) -> Taxpayer:
    """The taxpayer named by ``ref``; a specialist may act only for its own taxpayers (docs/behaviour.md §4)."""
    tp = taxpayer_by_ref(ctx.session, ctx.world.id, ref)
    if tp is None:
        raise invalid("taxpayer", f"no taxpayer {ref!r} in this world", f"本世界没有纳税人 {ref}")
    officer = ctx.actor.officer
    if officer.role == "specialist" and tp.specialist_id != officer.id:
        raise OperationError("FORBIDDEN", field="taxpayer",
                             reason=f"{ref} is not assigned to {officer.login}",
                             reason_zh=f"纳税人 {ref} 不由 {officer.name} 管理")
    return tp


taxpayer_for = _taxpayer   # the same role-checked lookup, for the channels' officer operations (sync/)


def _change(ctx, tp: Taxpayer, kind: str, *, ready_at=None, auto: bool = True, **fields) -> Change:
    change = Change(world_id=ctx.world.id, seq=ctx.seq(), taxpayer_id=tp.id, kind=kind, created_at=ctx.now,
                    ready_at=ready_at or ctx.now, auto=auto, forced=False, **fields)
    ctx.session.add(change)
    return change


def _delays() -> dict:
    return sync_config()["delays"]


# --- 开通网票 ------------------------------------------------------------------------------------

@operation("open_wangpiao", zh="开通网票", en="Enable 网票", args=TaxpayerArgs)
def open_wangpiao(ctx, args: TaxpayerArgs) -> dict:
    """Mark the taxpayer enabled for 网票 (FAQ 3.1). Its 网票 account appears with a later sync.

    Opening an already enabled taxpayer succeeds and changes nothing: the first enablement keeps
    its time and sequence, which decide whether earlier sales reach 网票 (FAQ 3.2 case 3).
    """
    tp = _taxpayer(ctx, args.taxpayer)
    if tp.wangpiao_enabled:
        return {"taxpayer": tp.ref, "enabled_at": fmt(tp.enabled_at), "already_enabled": True}
    tp.wangpiao_enabled = True
    tp.enabled_at = ctx.now
    tp.enabled_seq = ctx.seq()
    return {"taxpayer": tp.ref, "enabled_at": fmt(tp.enabled_at), "already_enabled": False}


# --- 发售 / 退票 ----------------------------------------------------------------------------------

@operation("sell_invoices", zh="发售", en="Sell invoices", args=SaleArgs)
def sell_invoices(ctx, args: SaleArgs) -> dict:
    """Sell a range of one invoice code from the seller's office stock (FAQ 3.2)."""
    tp = _taxpayer(ctx, args.taxpayer)
    start, end = int(args.start), int(args.end)
    w = ctx.world.id
    # dispatch already holds the world row; locking the stock block too keeps the check-then-insert
    # safe should a sale ever run outside dispatch
    block = stock_block(ctx.session, w, ctx.actor.officer.office_id, args.code, start, end, lock=True)
    if block is None:
        raise OperationError("RANGE_UNAVAILABLE", field="start",
                             reason=f"{args.code} {args.start}–{args.end} is not in this office's stock",
                             reason_zh=f"{args.code} {args.start}–{args.end} 不在本税务机关的库存中")
    taken = overlapping_sales(ctx.session, w, args.code, start, end)
    if taken:
        first = taken[0]
        raise OperationError("RANGE_UNAVAILABLE", field="start",
                             reason=f"{args.code} {_no(first.start_no)}–{_no(first.end_no)} is already sold",
                             reason_zh=f"{args.code} {_no(first.start_no)}–{_no(first.end_no)} 已发售")
    sale = Sale(world_id=w, taxpayer_id=tp.id, officer_id=ctx.actor.officer.id, code=args.code, start_no=start,
                end_no=end, sold_at=ctx.now, seq=ctx.seq(), enabled_at_sale=tp.wangpiao_enabled, status="active")
    ctx.session.add(sale)
    ctx.session.flush()
    if is_wangpiao_code(ctx.session, w, args.code):
        # a sale made before enablement never travels by itself (FAQ 3.2 case 3): only 同步信息
        _change(ctx, tp, "sale", sale_id=sale.id, auto=sale.enabled_at_sale,
                ready_at=ctx.now + timedelta(minutes=_delays()["sale_min_age_minutes"]))
    return {"sale_id": sale.id, "taxpayer": tp.ref, "code": args.code, "start": args.start, "end": args.end,
            "sold_at": fmt(sale.sold_at), "enabled_at_sale": sale.enabled_at_sale}


@operation("return_invoices", zh="退票", en="Return invoices", args=SaleArgs)
def return_invoices(ctx, args: SaleArgs) -> dict:
    """Give unused numbers back to stock; numbers 网票 reported as used cannot be returned (FAQ 3.2)."""
    tp = _taxpayer(ctx, args.taxpayer)
    start, end = int(args.start), int(args.end)
    w = ctx.world.id
    sales = held_sales(ctx.session, w, tp.id, args.code, start, end, lock=True)
    if sales is None:
        raise OperationError("RANGE_UNAVAILABLE", field="start",
                             reason=f"{tp.ref} does not hold all of {args.code} {args.start}–{args.end}",
                             reason_zh=f"{tp.ref} 未领购 {args.code} {args.start}–{args.end} 的全部号码")
    used = used_numbers(ctx.session, w, args.code, start, end)
    if used:
        shown = ", ".join(_no(n) for n in used[:5]) + (" …" if len(used) > 5 else "")
        raise OperationError("RANGE_IN_USE", field="start",
                             reason=f"already issued in 网票: {shown}", reason_zh=f"已在网票中开具：{shown}")
    wangpiao = is_wangpiao_code(ctx.session, w, args.code)
    seq = ctx.seq()
    returned = []
    for sale in sales:
        lo, hi = max(sale.start_no, start), min(sale.end_no, end)
        sale.status, sale.closed_at = "returned", ctx.now
        # what the taxpayer keeps stays as it was sold: same time, sequence and enablement
        for piece_lo, piece_hi in ((sale.start_no, lo - 1), (hi + 1, sale.end_no)):
            if piece_lo <= piece_hi:
                ctx.session.add(Sale(world_id=w, taxpayer_id=tp.id, officer_id=sale.officer_id, code=sale.code,
                                     start_no=piece_lo, end_no=piece_hi, sold_at=sale.sold_at, seq=sale.seq,
                                     enabled_at_sale=sale.enabled_at_sale, status="active", parent_id=sale.id))
        ret = Return(world_id=w, sale_id=sale.id, taxpayer_id=tp.id, officer_id=ctx.actor.officer.id,
                     code=args.code, start_no=lo, end_no=hi, returned_at=ctx.now, seq=seq)
        ctx.session.add(ret)
        ctx.session.flush()
        if wangpiao:
            _change(ctx, tp, "return", return_id=ret.id, sale_id=sale.id)
        returned.append({"sale_id": sale.id, "return_id": ret.id, "start": _no(lo), "end": _no(hi)})
    return {"taxpayer": tp.ref, "code": args.code, "start": args.start, "end": args.end,
            "returned_at": fmt(ctx.now), "returns": returned}


# --- 冲红限额 / 初始化密码 ------------------------------------------------------------------------

@operation("set_red_limit", zh="冲红限额", en="Set red-reversal limit", args=RedLimitArgs)
def set_red_limit(ctx, args: RedLimitArgs) -> dict:
    """The taxpayer's monthly red-reversal amount (FAQ 4.4), delivered by the incremental sync."""
    tp = _taxpayer(ctx, args.taxpayer)
    tp.red_limit = Decimal(args.amount)
    _change(ctx, tp, "red_limit", amount=tp.red_limit)
    return {"taxpayer": tp.ref, "red_limit": f"{tp.red_limit:.2f}"}


@operation("reset_password", zh="初始化密码", en="Reset 网票 password", args=TaxpayerArgs)
def reset_password(ctx, args: TaxpayerArgs) -> dict:
    """Put the 网票 password back in its default state with the next incremental sync (FAQ 3.1)."""
    tp = _taxpayer(ctx, args.taxpayer)
    _change(ctx, tp, "password_reset")
    return {"taxpayer": tp.ref, "requested_at": fmt(ctx.now)}


# --- 行业核定 / 品目 ------------------------------------------------------------------------------

@operation("assign_industries", zh="行业核定", en="Assign industries", args=IndustriesArgs)
def assign_industries(ctx, args: IndustriesArgs) -> dict:
    """One main industry and at most three 附行业 (FAQ 4.5, 4.6); replaces the assignment."""
    tp = _taxpayer(ctx, args.taxpayer)
    if len(args.secondary) > MAX_SECONDARY_INDUSTRIES:
        raise OperationError("TOO_MANY_SECONDARY_INDUSTRIES", field="secondary",
                             reason=f"{len(args.secondary)} secondary industries given; at most "
                                    f"{MAX_SECONDARY_INDUSTRIES}")
    chosen = []
    for slot, key in enumerate([args.main, *args.secondary]):
        field = "main" if slot == 0 else f"secondary.{slot - 1}"
        ind = industry_by_key(ctx.session, ctx.world.id, key)
        if ind is None:
            raise invalid(field, f"no industry {key!r} in this world", f"本世界没有行业 {key}")
        if any(c.id == ind.id for c in chosen):
            raise invalid(field, f"industry {ind.code} {ind.name} is given twice", f"行业 {ind.code} {ind.name} 重复")
        chosen.append(ind)
    ctx.session.execute(delete(TaxpayerIndustry).where(TaxpayerIndustry.world_id == ctx.world.id,
                                                       TaxpayerIndustry.taxpayer_id == tp.id))
    for slot, ind in enumerate(chosen):
        ctx.session.add(TaxpayerIndustry(world_id=ctx.world.id, taxpayer_id=tp.id, industry_id=ind.id, slot=slot))
    tp.industries_seq = ctx.seq()
    tp.industries_at = ctx.now
    return {"taxpayer": tp.ref, "main": chosen[0].code, "secondary": [i.code for i in chosen[1:]]}


@operation("request_item", zh="品目上报", en="Report a missing item", args=ItemRequestArgs)
def request_item(ctx, args: ItemRequestArgs) -> dict:
    """Report an item missing from every industry to 征管科 (FAQ 4.5).

    An item some industry already holds is refused, naming those industries: the remedy is then
    to add one of them as a 附行业 (assign_industries).
    """
    tp = _taxpayer(ctx, args.taxpayer)
    w = ctx.world.id
    holders = industries_holding(ctx.session, w, args.item)
    if holders:
        names = "、".join(f"{i.code} {i.name}" for i in holders)
        raise OperationError("ITEM_ALREADY_IN_INDUSTRY", field="item",
                             reason=f"{args.item!r} already exists in industry {names}: add it as a secondary "
                                    f"industry instead", reason_zh=f"品目 {args.item} 已存在于行业 {names}：请将其增加为附行业")
    if ctx.session.execute(select(ItemRequest.id).where(ItemRequest.world_id == w, ItemRequest.taxpayer_id == tp.id,
                                                        ItemRequest.item == args.item,
                                                        ItemRequest.status == "pending")).first():
        raise OperationError("ITEM_ALREADY_REPORTED", field="item",
                             reason=f"{args.item!r} is already reported for {tp.ref} and awaits 征管科",
                             reason_zh=f"品目 {args.item} 已上报，等待征管科审核")
    ctx.seq()
    req = ItemRequest(world_id=w, taxpayer_id=tp.id, item=args.item, requested_by=ctx.actor.officer.id,
                      requested_at=ctx.now, status="pending")
    ctx.session.add(req)
    ctx.session.flush()
    return {"request_id": req.id, "taxpayer": tp.ref, "item": args.item, "status": "pending"}


def _pending_requests(ctx, item: str) -> list[ItemRequest]:
    reqs = list(ctx.session.scalars(select(ItemRequest).where(
        ItemRequest.world_id == ctx.world.id, ItemRequest.item == item, ItemRequest.status == "pending")
        .order_by(ItemRequest.id)))
    if not reqs:
        raise OperationError("NO_PENDING_ITEM_REPORT", field="item", reason=f"no pending report of item {item!r}",
                             reason_zh=f"没有待审核的品目上报：{item}")
    return reqs


@operation("approve_item", zh="品目审核（通过）", en="Approve an item", args=ApproveItemArgs)
def approve_item(ctx, args: ApproveItemArgs) -> dict:
    """征管科 adds the reported item to an industry; 网票 receives it with the nightly clearing."""
    ind = industry_by_key(ctx.session, ctx.world.id, args.industry)
    if ind is None:
        raise invalid("industry", f"no industry {args.industry!r} in this world", f"本世界没有行业 {args.industry}")
    reqs = _pending_requests(ctx, args.item)
    seq = ctx.seq()
    item = ctx.session.execute(select(Item).where(Item.world_id == ctx.world.id, Item.industry_id == ind.id,
                                                  Item.name == args.item)).scalar_one_or_none()
    if item is None:
        item = Item(world_id=ctx.world.id, industry_id=ind.id, name=args.item, seq=seq, added_at=ctx.now)
        ctx.session.add(item)
    for req in reqs:
        req.status, req.decided_by, req.decided_at, req.industry_id = "approved", ctx.actor.officer.id, ctx.now, ind.id
    ctx.session.flush()
    return {"item": args.item, "industry": ind.code, "item_id": item.id, "requests": [r.id for r in reqs]}


@operation("reject_item", zh="品目审核（驳回）", en="Reject an item", args=RejectItemArgs)
def reject_item(ctx, args: RejectItemArgs) -> dict:
    """征管科 turns down every pending report of the item, with its reason; no item is added."""
    reqs = _pending_requests(ctx, args.item)
    ctx.seq()
    for req in reqs:
        req.status, req.decided_by, req.decided_at, req.reason = "rejected", ctx.actor.officer.id, ctx.now, args.reason
    return {"item": args.item, "requests": [r.id for r in reqs], "reason": args.reason}


# The ops channel (营改增 and dual flags, CA cancellation, U-Key) writes 网票 at once: it lives in
# backoffice/sync/ops.py, so that 金三 never imports 网票.
