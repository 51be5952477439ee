"""网票 session operations (FAQ 3.2, 4.1–4.6, 5.3, 7): purchases, 开票员, issuing, 冲红, 作废, printer.

Every operation here needs a 网票 session (dispatch resolves it); the acting 开票员 is the session's.
Login lives in :mod:`.login` (imported here, so the catalogue, which loads this module, registers
it); the PC client operations in :mod:`.pc`.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field
from sqlalchemy import select

from ..catalogue import (Amount, AnyCode, Args, InvoiceCode, InvoiceNo, Millimetres, Password, RangeArgs, Ref,
                         Text, operation)
from ..errors import OperationError, invalid
from ..security import hash_password
from . import login as _login  # noqa: F401  (registers login, change_password)
from . import queries as q
from .models import WpAccount, WpDsInvoice, WpInvoice, WpInvoicer, WpPrinter, WpRedReversal, WpSegment
from .upload import report

DS_CLIENTS = ("dishui", "dishui_void")


class NoArgs(Args):
    pass


class NameArgs(Args):
    name: Ref


class AddInvoicerArgs(Args):
    name: Ref
    password: Annotated[Password, Field(min_length=1)]


class SegmentArgs(RangeArgs):
    invoicer: Ref


class AmountsArgs(Args):
    invoicer: Ref
    red_amount: Amount
    cache_amount: Amount


class IssueArgs(Args):
    code: InvoiceCode
    item: Text
    amount: Amount


class InvoiceRefArgs(Args):
    code: AnyCode
    number: InvoiceNo


class RedArgs(InvoiceRefArgs):
    amount: Amount


class PrinterArgs(Args):
    invoice_type: Text
    right: Millimetres
    down: Millimetres


class PrinterTypeArgs(Args):
    invoice_type: Text


def _who(ctx) -> tuple[WpAccount, WpInvoicer]:
    sess = ctx.actor.wp_session
    return (ctx.session.get(WpAccount, (sess.world_id, sess.account_id)),
            ctx.session.get(WpInvoicer, (sess.world_id, sess.invoicer_id)))


def _admin_only(invoicer: WpInvoicer, what: str) -> None:
    if not invoicer.is_admin:
        raise OperationError("FORBIDDEN", field="actor", reason=f"only the 系统管理员 may {what}",
                             reason_zh="只有系统管理员可以执行此操作")


def _target(ctx, account: WpAccount, name: str) -> WpInvoicer:
    inv = q.invoicer_by_name(ctx.session, ctx.world.id, account.id, name)
    if inv is None:
        raise invalid("invoicer", f"no 开票员 named {name!r}", f"没有名为 {name} 的开票员")
    return inv


def _no(n: int) -> str:
    return f"{n:08d}"


# --- purchases and 开票员 ----------------------------------------------------------------------

@operation("list_purchases", zh="发票领购信息", en="List delivered purchases", args=NoArgs, side="wangpiao",
           needs_login=True, mutates=False)
def list_purchases(ctx, args: NoArgs) -> dict:
    """The invoice ranges 金三 has delivered to 网票 (FAQ 3.2)."""
    account, _ = _who(ctx)
    rows = q.purchases(ctx.session, ctx.world.id, account.id)
    if not rows:
        raise OperationError("NO_PURCHASE_INFO", field="account")
    return {"count": len(rows),
            "purchases": [{"code": p.code, "start": _no(p.start_no), "end": _no(p.end_no)} for p in rows]}


@operation("rename_admin", zh="修改系统管理员为实名纳税人", en="Rename the system administrator", args=NameArgs,
           side="wangpiao", needs_login=True)
def rename_admin(ctx, args: NameArgs) -> dict:
    """FAQ 4.1: 系统维护 → 维护开票员信息 → 系统管理员 → 修改."""
    account, me = _who(ctx)
    _admin_only(me, "rename the 系统管理员")
    other = q.invoicer_by_name(ctx.session, ctx.world.id, account.id, args.name)
    if other is not None and other.id != me.id:
        raise OperationError("INVOICER_NAME_TAKEN", field="name", reason=f"another 开票员 is named {args.name!r}",
                             reason_zh=f"已有名为 {args.name} 的开票员")
    old, me.name = me.name, args.name
    return {"old": old, "name": me.name}


@operation("add_invoicer", zh="新增开票员", en="Add an invoicer", args=AddInvoicerArgs, side="wangpiao",
           needs_login=True)
def add_invoicer(ctx, args: AddInvoicerArgs) -> dict:
    """FAQ 4.2: 维护开票员信息 → 添加: a name and a password."""
    account, me = _who(ctx)
    _admin_only(me, "add 开票员")
    if q.invoicer_by_name(ctx.session, ctx.world.id, account.id, args.name) is not None:
        raise OperationError("INVOICER_NAME_TAKEN", field="name", reason=f"a 开票员 named {args.name!r} exists",
                             reason_zh=f"已有名为 {args.name} 的开票员")
    ctx.session.add(WpInvoicer(world_id=ctx.world.id, account_id=account.id, name=args.name, is_admin=False,
                               password_hash=hash_password(args.password, simulated=True)))
    ctx.session.flush()
    return {"name": args.name, "invoicers": len(q.invoicers(ctx.session, ctx.world.id, account.id))}


@operation("allocate_segment", zh="分配发票号段", en="Allocate an invoice segment", args=SegmentArgs,
           side="wangpiao", needs_login=True)
def allocate_segment(ctx, args: SegmentArgs) -> dict:
    """FAQ 4.3 step 5: numbers of delivered purchases, each number to at most one 开票员."""
    s, w = ctx.session, ctx.world.id
    account, me = _who(ctx)
    _admin_only(me, "allocate segments")
    target = _target(ctx, account, args.invoicer)
    start, end = int(args.start), int(args.end)
    delivered = q.merged_ranges(q.purchases(s, w, account.id, args.code))
    if not q.covered(delivered, start, end):
        raise OperationError("RANGE_UNAVAILABLE", field="start",
                             reason=f"{args.code} {args.start}–{args.end} is not wholly in the delivered purchases")
    for seg in q.segments(s, w, account.id, code=args.code):
        if seg.invoicer_id != target.id and seg.start_no <= end and start <= seg.end_no:
            raise OperationError("RANGE_UNAVAILABLE", field="start",
                                 reason=f"{_no(seg.start_no)}–{_no(seg.end_no)} is allocated to another 开票员")
    s.add(WpSegment(world_id=w, account_id=account.id, invoicer_id=target.id, code=args.code, start_no=start,
                    end_no=end, allocated_at=ctx.now))
    return {"invoicer": target.name, "code": args.code, "start": args.start, "end": args.end}


@operation("allocate_amounts", zh="分配月冲红和缓存金额", en="Allocate red-reversal and cache amounts",
           args=AmountsArgs, side="wangpiao", needs_login=True)
def allocate_amounts(ctx, args: AmountsArgs) -> dict:
    """FAQ 4.3 step 6: replaces the 开票员's monthly red amount and cache amount. The red amounts of
    all 开票员 add up to at most the delivered monthly 冲红限额; the cache amount has no cap."""
    account, me = _who(ctx)
    _admin_only(me, "allocate amounts")
    target = _target(ctx, account, args.invoicer)
    red, cache = Decimal(args.red_amount), Decimal(args.cache_amount)
    others = sum((i.red_amount or Decimal(0) for i in q.invoicers(ctx.session, ctx.world.id, account.id)
                  if i.id != target.id), Decimal(0))
    limit = account.red_limit or Decimal(0)
    if others + red > limit:
        raise invalid("red_amount", f"the 开票员's red amounts would total {others + red}, over the monthly "
                      f"冲红限额 {limit}", f"开票员月冲红金额合计 {others + red} 超过冲红限额 {limit}")
    target.red_amount, target.cache_amount = red, cache
    return {"invoicer": target.name, "red_amount": str(red), "cache_amount": str(cache)}


# --- issuing, 冲红, 作废 -----------------------------------------------------------------------

@operation("issue_invoice", zh="开具发票", en="Issue an invoice", args=IssueArgs, side="wangpiao",
           needs_login=True)
def issue_invoice(ctx, args: IssueArgs) -> dict:
    """Issue the next number of the 开票员's segments (FAQ 4.3, 4.5, 4.6); reported to 金三 at once."""
    s, w = ctx.session, ctx.world.id
    account, me = _who(ctx)
    if ctx.actor.wp_session.client != "guoshui":
        raise OperationError("FORBIDDEN", field="client", reason="国税 invoices are issued with the 国税 client",
                             reason_zh="请使用国税版客户端开具国税发票")
    if not q.segments(s, w, account.id, code=args.code, invoicer_id=me.id) or \
            me.red_amount is None or me.cache_amount is None:
        raise OperationError("NO_PERMISSION_TO_SAVE", field="code",
                             reason="the 开票员 has no segment of this code or no red/cache amounts")
    industries = q.industry_codes(s, w, account.id)
    if not industries:
        raise OperationError("INDUSTRY_BLANK", field="item")
    if not q.item_available(s, w, industries, args.item):
        raise OperationError("ITEM_NOT_AVAILABLE", field="item", reason=f"{args.item!r} is not in "
                             f"the taxpayer's industries ({', '.join(industries)})")
    amount = Decimal(args.amount)
    if amount > me.cache_amount:
        raise OperationError("AMOUNT_EXCEEDS_CACHE", field="amount",
                             reason=f"{amount} is over the cache amount {me.cache_amount}")
    number = q.next_number(s, w, account.id, me.id, args.code)
    if number is None:
        raise OperationError("NO_PERMISSION_TO_SAVE", field="code",
                             reason="every allocated number of this code is used or no longer delivered")
    s.add(WpInvoice(world_id=w, account_id=account.id, invoicer_id=me.id, code=args.code, number=number,
                    item=args.item, amount=amount, issued_at=ctx.now, status="issued", red_total=Decimal(0)))
    s.flush()
    report(s, world_id=w, source_taxpayer_id=account.source_taxpayer_id, code=args.code, number=number,
           event="issued", amount=amount, at=ctx.now)
    return {"code": args.code, "number": _no(number), "item": args.item, "amount": str(amount),
            "invoicer": me.name}


def _issued(ctx, account: WpAccount, code: str, number: str) -> WpInvoice:
    inv = q.invoice(ctx.session, ctx.world.id, account.id, code, int(number))
    if inv is None or inv.status != "issued":
        raise invalid("number", f"no issued invoice {code} {number}", f"没有已开具的发票 {code} {number}")
    return inv


def _ds_invoice(ctx, account: WpAccount, code: str, number: str) -> WpDsInvoice:
    inv = ctx.session.execute(select(WpDsInvoice).where(
        WpDsInvoice.world_id == ctx.world.id, WpDsInvoice.account_id == account.id,
        WpDsInvoice.code == code, WpDsInvoice.number == number)).scalar_one_or_none()
    if inv is None or inv.status != "issued":
        raise invalid("number", f"no issued 地税 invoice {code} {number}", f"没有已开具的地税发票 {code} {number}")
    return inv


def _positive(amount: Decimal) -> None:
    if amount <= 0:
        raise invalid("amount", "a red reversal is of a positive amount", "冲红金额必须大于零")


@operation("red_reverse", zh="开具冲红发票", en="Red-reverse an invoice", args=RedArgs, side="wangpiao",
           needs_login=True)
def red_reverse(ctx, args: RedArgs) -> dict:
    """冲红 (FAQ 4.4): bounded by the original amount and this month's red amounts. In a 地税 client
    session it reverses an old 地税 invoice instead, consuming one blank 地税 invoice (FAQ 5.3)."""
    s, w = ctx.session, ctx.world.id
    account, me = _who(ctx)
    amount = Decimal(args.amount)
    _positive(amount)
    if ctx.actor.wp_session.client in DS_CLIENTS:
        ds = _ds_invoice(ctx, account, args.code, args.number)
        if ds.red_total + amount > ds.amount:
            raise OperationError("RED_EXCEEDS_ORIGINAL", field="amount",
                                 reason=f"already reversed {ds.red_total} of {ds.amount}")
        if account.ds_blank_invoices < 1:
            raise OperationError("DS_NO_BLANK_INVOICES", field="amount")
        ds.red_total += amount
        account.ds_blank_invoices -= 1
        return {"code": ds.code, "number": ds.number, "amount": str(amount), "red_total": str(ds.red_total),
                "ds_blank_invoices": account.ds_blank_invoices}
    inv = _issued(ctx, account, args.code, args.number)
    if inv.red_total + amount > inv.amount:
        raise OperationError("RED_EXCEEDS_ORIGINAL", field="amount",
                             reason=f"already reversed {inv.red_total} of {inv.amount}")
    month = q.month_of(ctx.now)
    mine = q.red_used(s, w, month, invoicer_id=me.id) + amount
    if mine > (me.red_amount or Decimal(0)):
        raise OperationError("RED_AMOUNT_INSUFFICIENT", field="amount",
                             reason=f"the 开票员's red use this month would be {mine}, over {me.red_amount or 0}")
    ours = q.red_used(s, w, month, account_id=account.id) + amount
    if ours > (account.red_limit or Decimal(0)):
        raise OperationError("RED_AMOUNT_INSUFFICIENT", field="amount",
                             reason=f"the taxpayer's red use this month would be {ours}, over the 冲红限额 "
                                    f"{account.red_limit or 0}")
    inv.red_total += amount
    s.add(WpRedReversal(world_id=w, account_id=account.id, invoicer_id=me.id, invoice_id=inv.id, amount=amount,
                        month=month, reversed_at=ctx.now))
    s.flush()
    report(s, world_id=w, source_taxpayer_id=account.source_taxpayer_id, code=inv.code, number=inv.number,
           event="red", amount=amount, at=ctx.now)
    return {"code": inv.code, "number": _no(inv.number), "amount": str(amount), "red_total": str(inv.red_total),
            "month": month}


@operation("void_invoice", zh="作废发票", en="Void an invoice", args=InvoiceRefArgs, side="wangpiao",
           needs_login=True)
def void_invoice(ctx, args: InvoiceRefArgs) -> dict:
    """作废: only in the month the invoice was issued (Asia/Shanghai). In a 地税 client session it voids
    an old 地税 invoice, consuming no blank invoice (FAQ 5.3)."""
    s, w = ctx.session, ctx.world.id
    account, _ = _who(ctx)
    month = q.month_of(ctx.now)
    if ctx.actor.wp_session.client in DS_CLIENTS:
        ds = _ds_invoice(ctx, account, args.code, args.number)
        if q.month_of(ds.issued_at) != month:
            raise OperationError("VOID_PERIOD_CLOSED", field="number",
                                 reason=f"issued in {q.month_of(ds.issued_at)}, now {month}")
        ds.status = "voided"
        return {"code": ds.code, "number": ds.number, "status": ds.status}
    inv = _issued(ctx, account, args.code, args.number)
    if q.month_of(inv.issued_at) != month:
        raise OperationError("VOID_PERIOD_CLOSED", field="number",
                             reason=f"issued in {q.month_of(inv.issued_at)}, now {month}")
    if inv.red_total > 0:
        raise OperationError("INVOICE_RED_REVERSED", field="number", reason="a red-reversed invoice cannot be voided",
                             reason_zh="已冲红的发票不能作废")
    inv.status, inv.voided_at = "voided", ctx.now
    s.flush()
    report(s, world_id=w, source_taxpayer_id=account.source_taxpayer_id, code=inv.code, number=inv.number,
           event="voided", amount=inv.amount, at=ctx.now)
    return {"code": inv.code, "number": _no(inv.number), "status": inv.status}


# --- printer ------------------------------------------------------------------------------------

@operation("set_printer", zh="打印机设置", en="Printer settings", args=PrinterArgs, side="wangpiao",
           needs_login=True)
def set_printer(ctx, args: PrinterArgs) -> dict:
    """FAQ 7 (系统设置 → 常规设置): right/down offsets in whole mm, negative = left/up; bounded so the
    print keeps its margin on the paper. Any 网票 type, purchased or not."""
    s, w = ctx.session, ctx.world.id
    account, _ = _who(ctx)
    itype = q.invoice_type(s, w, args.invoice_type)
    if itype is None or args.invoice_type != itype.type_code:
        codes = ", ".join(t.type_code for t in q.wangpiao_types(s, w))
        raise invalid("invoice_type", f"not a 网票 invoice type ({codes})", f"不是网票发票类型（{codes}）")
    margin = q.printer_margin_mm()
    for fld in ("right", "down"):
        value = getattr(args, fld)
        if not -margin <= value <= margin:
            raise invalid(fld, f"an offset is from -{margin} to {margin} mm", f"平移范围为 -{margin} 至 {margin} 毫米")
    row = q.printer(s, w, account.id, itype.type_code)
    if row is None:
        row = WpPrinter(world_id=w, account_id=account.id, type_code=itype.type_code)
        s.add(row)
    row.right_mm, row.down_mm = args.right, args.down
    return {"invoice_type": itype.type_code, "right": args.right, "down": args.down}


@operation("get_printer", zh="查看打印机设置", en="Show printer settings", args=PrinterTypeArgs, side="wangpiao",
           needs_login=True, mutates=False)
def get_printer(ctx, args: PrinterTypeArgs) -> dict:
    """FAQ 7 (系统设置 → 常规设置): the offsets saved for one invoice type (0 and 0 until set)."""
    s, w = ctx.session, ctx.world.id
    account, _ = _who(ctx)
    itype = q.invoice_type(s, w, args.invoice_type)
    if itype is None or args.invoice_type != itype.type_code:
        codes = ", ".join(t.type_code for t in q.wangpiao_types(s, w))
        raise invalid("invoice_type", f"not a 网票 invoice type ({codes})", f"不是网票发票类型（{codes}）")
    row = q.printer(s, w, account.id, itype.type_code)
    return {"invoice_type": itype.type_code, "right": row.right_mm if row else 0, "down": row.down_mm if row else 0}
