"""FAQ 4.4 (可冲红负数不足): the taxpayer's monthly 冲红限额, set by its specialist in 金三, and the
monthly red amount the 系统管理员 allocates to each 开票员 (4.3 step 6) are two different limits;
a 冲红 needs both. When the limit is enough and only the allocation is short, the remedy starts
with the 系统管理员, not the specialist."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from ..wangpiao.models import WpInvoice
from .registry import HIT, NOTE, Finding, rule
from .remedy import channel_name, proposal
from .view import View, args_of, t

RED_LIMIT_MENU = "系统管理 → 网络发票管理 → 网络发票功能核定 → 发票核定信息 → 冲红限额"


def _refused(v: View):
    e = v.last(["red_reverse"], lambda e: e.error_code in (None, "RED_AMOUNT_INSUFFICIENT"))
    return e if e is not None and e.error_code == "RED_AMOUNT_INSUFFICIENT" else None


@rule("red_insufficient")
def red_insufficient(v: View):
    a = v.account
    e = _refused(v) if a is not None and v.ygz else None
    if e is None:
        return
    name = e.actor.partition("/")[2] or None
    inv = v.invoicer_named(name)
    if inv is None:
        return
    wanted = Decimal(str(args_of(e).get("amount", "0")))
    inv_used, tp_used = v.red_used(invoicer_id=inv.id), v.red_used(account_id=a.id)
    allocated, limit = inv.red_amount or Decimal(0), a.red_limit or Decimal(0)
    if allocated - inv_used >= wanted and limit - tp_used >= wanted:
        return   # both limits cover it now: a retry goes through
    others = sum((i.red_amount or Decimal(0) for i in v.invoicers if i.id != inv.id), Decimal(0))
    need_allocation = max(allocated, inv_used + wanted)
    need_limit = max(tp_used + wanted, others + need_allocation)
    waiting = [c for c in v.changes if c.kind == "red_limit"]
    jinsan_limit = v.tp.red_limit or Decimal(0)
    allocation_only = limit >= need_limit
    raise_limit = not allocation_only and jinsan_limit < need_limit
    until = v.next_run("incremental", waiting[-1].ready_at if waiting else v.now)
    who, when = inv.name, t(e.sim_time)
    head = (f"the 冲红 of {wanted} at {when} by {who} needs more than is left this month: the 开票员 has "
            f"{allocated - inv_used} of its red amount {allocated}, the taxpayer {limit - tp_used} of its 冲红限额 {limit}",
            f"{who} 于 {when} 冲红 {wanted}，超过本月剩余额度：开票员剩余月冲红金额 {allocated - inv_used}（分配 {allocated}），"
            f"纳税人剩余冲红限额 {limit - tp_used}（限额 {limit}）")
    if allocation_only:
        cause = (head[0] + f"; the 冲红限额 is enough: the 系统管理员 re-allocates the 开票员's red amount to "
                 f"{need_allocation} (allocate_amounts), no specialist needed",
                 head[1] + f"；纳税人的冲红限额已足够：请系统管理员为开票员重新“分配月冲红和缓存金额”（{need_allocation}），无须专管员")
    elif raise_limit:
        cause = (head[0] + f"; the specialist raises the 冲红限额 to {need_limit} (set_red_limit, {RED_LIMIT_MENU}); once "
                 f"it reaches 网票 the 系统管理员 re-allocates (allocate_amounts)",
                 head[1] + f"；请专管员在金三中将月冲红金额修改为 {need_limit}（{RED_LIMIT_MENU}），同步到网票后系统管理员重新"
                 f"“分配月冲红和缓存金额”")
    else:
        cause = (head[0] + f"; 冲红限额 {jinsan_limit} is set in 金三 and reaches 网票 with the incremental sync at "
                 f"{t(until)}; then the 系统管理员 re-allocates (allocate_amounts)",
                 head[1] + f"；金三已将冲红限额设为 {jinsan_limit}，预计 {t(until)} 随增量同步到达网票，之后系统管理员重新"
                 f"“分配月冲红和缓存金额”")
    yield Finding("RED_AMOUNT_INSUFFICIENT", cause, HIT,
                  [f"网票 冲红限额 {limit}, used this month {tp_used}"] +
                  [f"{i.name}: red {i.red_amount if i.red_amount is not None else '—'}, used "
                   f"{v.red_used(invoicer_id=i.id)}" for i in v.invoicers],
                  {"taxpayer": v.tp.ref, "limit": need_limit, "raise": raise_limit, "wait_limit": not allocation_only,
                   "allocation_only": allocation_only, "until": until, "channel": channel_name("incremental"),
                   "login": v.login(), "invoicer": inv.name, "red_amount": need_allocation,
                   "cache_amount": inv.cache_amount if inv.cache_amount is not None
                   else Decimal(proposal("cache_amount"))},
                  pending=until if waiting else None, probe=v.retry_step(e))


@rule("red_limit_zero")
def red_limit_zero(v: View):
    a = v.account
    if a is None or not v.ygz or _refused(v) is not None:
        return
    limit, used = a.red_limit or Decimal(0), v.red_used(account_id=a.id)
    reversible = v.s.scalar(select(func.count()).select_from(WpInvoice).where(
        WpInvoice.world_id == v.w, WpInvoice.account_id == a.id, WpInvoice.status == "issued",
        WpInvoice.red_total < WpInvoice.amount))
    if not reversible or limit - used > 0:
        return
    why = (("the monthly 冲红限额 in 网票 is 0", "网票中的月冲红限额为 0") if limit == 0 else
           (f"this month's 冲红限额 {limit} is used up", f"本月冲红限额 {limit} 已用完"))
    yield Finding("RED_AMOUNT_INSUFFICIENT", (
        f"{why[0]}: a 冲红 would be refused (可冲红负数不足), none was tried; the specialist sets the limit in 金三 "
        f"({RED_LIMIT_MENU}) when one is needed",
        f"{why[1]}，开具冲红发票将提示“可冲红负数不足”（尚未尝试）；如需冲红，请专管员在金三中修改月冲红金额（{RED_LIMIT_MENU}）"),
        NOTE, [f"网票 冲红限额 {limit}, used this month {used}"], {"taxpayer": v.tp.ref})
