"""FAQ 3.2 (未找到发票领购信息): nothing delivered to 网票 — none sold, not yet synced, sold before
网票 was enabled, or sold under a code that is not a 网票 code."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Integer, and_, exists, func, literal, select, union
from sqlalchemy.orm import aliased

from ..jinsan.models import Officer, Sale, Stock, Taxpayer
from ..clock import local
from ..seed import sync_config
from .registry import HIT, WILL, Bi, Finding, rule
from .remedy import MISSING, channel_name, proposal
from .view import View, client_of, no, t


def _join(parts: list[Bi]) -> Bi:
    return "; ".join(p[0] for p in parts), "；".join(p[1] for p in parts)


def _before(sale: Sale, tp: Taxpayer) -> Bi:
    sold = t(sale.sold_at)
    if tp.enabled_at is not None and local(sale.sold_at).replace(second=0, microsecond=0) == \
            local(tp.enabled_at).replace(second=0, microsecond=0):
        return f"sold {sold}, just before 网票 was enabled in the same minute", f"{sold} 发售，在同一分钟内先于开通网票"
    enabled = t(tp.enabled_at) if tp.enabled_at else None
    return (f"sold {sold}, 网票 enabled {enabled or 'only later'}",
            f"{sold} 发售，网票{f'于 {enabled} ' if enabled else '此后才'}开通")


def free_range(v: View, size: int) -> tuple[str, int, int] | None:
    """The first ``size`` numbers of a valid 网票 code in the specialist's office stock held by nobody:
    one query per stock block, whatever the number of sales (a block's start, or just after a sale)."""
    office = v.s.scalar(select(Officer.office_id).where(Officer.world_id == v.w, Officer.id == v.tp.specialist_id))
    for code in sorted(v.wp_codes):
        blocks = v.s.execute(select(Stock.start_no, Stock.end_no).where(
            Stock.world_id == v.w, Stock.office_id == office, Stock.code == code).order_by(Stock.start_no)).all()
        for lo, hi in blocks:
            held = and_(Sale.world_id == v.w, Sale.code == code, Sale.status == "active")
            starts = union(select(literal(lo, Integer).label("n")),
                           select((Sale.end_no + 1).label("n")).where(held, Sale.end_no >= lo, Sale.end_no < hi)).subquery()
            other = aliased(Sale)
            clash = exists().where(other.world_id == v.w, other.code == code, other.status == "active",
                                   other.start_no <= starts.c.n + size - 1, other.end_no >= starts.c.n)
            first = v.s.scalar(select(func.min(starts.c.n)).where(starts.c.n + size - 1 <= hi, ~clash))
            if first is not None:
                return code, first, first + size - 1
    return None


def _resale(v: View, size: int) -> dict:
    found = free_range(v, size)
    if found is None:
        return {"code": MISSING, "start": MISSING, "end": MISSING}
    code, lo, hi = found
    return {"code": code, "start": no(lo), "end": no(hi)}


@rule("no_purchase")
def no_purchase(v: View):
    if not v.ygz or v.has_purchases:
        return
    tp, minutes = v.tp, sync_config()["delays"]["sale_min_age_minutes"]
    active = [s for s in v.sales if s.status == "active"]
    wp = [s for s in active if s.code in v.wp_codes]
    paper = [s for s in active if s.code not in v.wp_codes]
    waiting = {c.sale_id: c for c in v.changes if c.kind == "sale"}
    account_job, account_at = v.account_arrival()
    causes: list[Bi] = []
    evidence, arrivals = [], []
    facts: dict = {"taxpayer": tp.ref}
    for s in wp:
        change = waiting.get(s.id) or (waiting.get(s.parent_id) if s.parent_id else None)
        sold = t(s.sold_at)
        evidence.append(f"金三: sold {s.code} {no(s.start_no)}–{no(s.end_no)} at {sold} "
                        f"(enabled then: {'yes' if s.enabled_at_sale else 'no'})")
        forced = change is not None and change.forced
        if v.account is None and (s.enabled_at_sale or forced):
            causes.append((f"sold {sold}: it follows the account, which reaches 网票 at {t(account_at)}",
                           f"{sold} 发售的发票随帐号一起同步，帐号预计 {t(account_at)} 到达网票"))
            arrivals.append(account_at)
        elif forced:
            when = v.next_run("incremental")
            causes.append((f"同步信息 requested for the sale of {sold}: delivered at {t(when)}",
                           f"{sold} 的发售已申请“同步信息”，预计 {t(when)} 到达"))
            arrivals.append(when)
        elif s.enabled_at_sale:
            when = v.next_run("incremental", s.sold_at + timedelta(minutes=minutes))
            causes.append((f"sold {sold}: the incremental sync delivers a sale once it is {minutes} minutes old, at "
                           f"{t(when)} (同步信息 delivers it at once)",
                           f"{sold} 发售的领购信息至少需要等待 {minutes} 分钟才能同步到网票，预计 {t(when)} 到达"
                           f"（急用请专管员“同步信息”）"))
            arrivals.append(when)
        else:
            before_en, before_zh = _before(s, tp)
            causes.append((f"{before_en}: the automatic sync skips sales made before enablement; ask the specialist "
                           f"for 同步信息 (sync_info), or return the invoices and sell them again",
                           f"{before_zh}：开通网票前发售的发票不会自动同步；请专管员进行“同步信息”，或先退票再重新发售"))
            facts["force"] = True
    valid = ", ".join(sorted(v.wp_codes))
    for s in paper:
        evidence.append(f"金三: sold {s.code} {no(s.start_no)}–{no(s.end_no)} at {t(s.sold_at)}")
        causes.append((f"code {s.code} is a paper (手工) invoice, which never reaches 网票: return it and sell one of "
                       f"the valid 网票 codes ({valid})",
                       f"发票号段 {s.code} 不属于网票有效号段，不会同步到网票：请退票后重新发售有效号段（{valid}）"))
    if not active:
        returned = [s for s in v.sales if s.status == "returned"]
        if returned:
            last = t(max(s.closed_at or s.sold_at for s in returned))
            causes.append((f"every range sold was returned (last at {last}): nothing is left to deliver; sell again",
                           f"已发售的发票已全部退票（最后一次 {last}），没有可同步的领购信息：请重新发售"))
        else:
            causes.append(("no invoices were sold to this taxpayer (未到税务机关领购发票): buy them at the tax office",
                           "纳税人未到税务机关领购发票：只有领购发票后才能在网票客户端中开具发票"))
    if v.account is not None:
        evidence.append("网票: no purchase delivered")
    pending = min(arrivals) if arrivals and len(arrivals) == len(causes) else None
    # the remedy follows the quickest road: wait for what is on its way, else 同步信息, else resell
    size = int(proposal("sale_size"))
    if arrivals:
        until = min(arrivals)
    elif facts.get("force"):
        until = account_at if v.account is None else v.now
    else:
        if paper:
            facts.update(paper=True, paper_code=paper[0].code, paper_start=no(paper[0].start_no),
                         paper_end=no(paper[0].end_no))
            size = paper[0].end_no - paper[0].start_no + 1
        else:
            facts["sell"] = True
        facts.update(_resale(v, size))
        ready = v.now + timedelta(minutes=minutes)
        until = max(account_at, v.next_run("incremental", ready)) if v.account is None else \
            v.next_run("incremental", ready)
        facts["wait_sale"] = v.account is not None
    if v.account is None:
        facts["wait_account"] = True
    elif arrivals:
        facts["wait_sale"] = True
    facts.update(until=until, channel=channel_name(account_job if v.account is None else "incremental"))
    tried = v.last_login(lambda e: client_of(e) == "guoshui")
    status = HIT if tried is not None and tried.error_code == "NO_PURCHASE_INFO" else WILL
    yield Finding("NO_PURCHASE_INFO", _join(causes), status, evidence, facts, pending=pending,
                  probe=[v.login_step()])
