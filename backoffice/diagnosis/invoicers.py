"""FAQ 4.1 (修改系统管理员为实名纳税人), 4.2 (新增开票员) and 4.3 (开票员无权限保存, and an invoice
over the invoicer's 缓存金额): the 开票员 a login names and what each may issue."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ..wangpiao import queries as wq
from ..wangpiao.models import WpInvoicer, WpSession
from .registry import HIT, WILL, Finding, rule
from .remedy import MISSING, proposal
from .view import View, args_of, no, retry, t


def _named_login(v: View):
    """The last login, when it failed naming a 开票员 the (valid) account does not hold."""
    e = v.last_login()
    if v.account is None or e is None or e.error_code != "INVOICER_NOT_FOUND":
        return None, None
    args = args_of(e)
    name = args.get("invoicer") or e.actor.partition("/")[2]
    if args.get("account") not in v.valid_accounts() or not name or v.invoicer_named(name) is not None:
        return None, None
    return e, name


def _listed(v: View) -> list[str]:
    return [f"开票员: {', '.join(i.name for i in v.invoicers)}"]


@rule("admin_not_renamed")
def admin_not_renamed(v: View):
    e, name = _named_login(v)
    admin = v.admin
    if e is None or admin is None or name != v.tp.name:
        return
    when = t(e.sim_time)
    yield Finding("INVOICER_NOT_FOUND", (
        f"the login at {when} named the real-name taxpayer {name!r}, but the 系统管理员 is still called "
        f"{admin.name!r}: rename it (rename_admin) after logging in as 系统管理员",
        f"{when} 以实名纳税人“{name}”登录，但系统管理员仍名为“{admin.name}”：请以系统管理员身份登录，将其修改为实名纳税人"),
        HIT, _listed(v), {"login": v.login(), "name": name}, probe=[retry(e)])


@rule("invoicer_not_added")
def invoicer_not_added(v: View):
    e, name = _named_login(v)
    if e is None or name == v.tp.name:
        return
    when = t(e.sim_time)
    password = args_of(e).get("password") or MISSING
    yield Finding("INVOICER_NOT_FOUND", (
        f"the login at {when} named 开票员 {name!r}, whom the 系统管理员 has not added: add it (add_invoicer) with a "
        f"password",
        f"{when} 以开票员“{name}”登录，但系统管理员尚未添加该开票员：请系统管理员在“维护开票员信息”中添加并设置密码"),
        HIT, _listed(v), {"login": v.login(), "name": name, "new_password": password}, probe=[retry(e)])


def _free_segment(v: View, inv: WpInvoicer) -> dict:
    """Delivered numbers no other 开票员 holds, with some never issued: what 分配发票号段 can give."""
    a = v.account
    others = [s for s in wq.segments(v.s, v.w, a.id) if s.invoicer_id != inv.id]
    for code in sorted({p.code for p in wq.purchases(v.s, v.w, a.id)}):
        for lo, hi in wq.merged_ranges(wq.purchases(v.s, v.w, a.id, code)):
            pieces = [(lo, hi)]
            for seg in (s for s in others if s.code == code):
                pieces = [p for a_, b_ in pieces for p in ((a_, min(b_, seg.start_no - 1)), (max(a_, seg.end_no + 1), b_))
                          if p[0] <= p[1]]
            for p_lo, p_hi in pieces:
                if len(wq.used_numbers(v.s, v.w, code, p_lo, p_hi)) < p_hi - p_lo + 1:
                    return {"code": code, "start": no(p_lo), "end": no(p_hi)}
    return {"code": MISSING, "start": MISSING, "end": MISSING}


def _unallocated_red(v: View, inv: WpInvoicer) -> Decimal:
    others = sum((i.red_amount or Decimal(0) for i in v.invoicers if i.id != inv.id), Decimal(0))
    return max(Decimal(0), (v.account.red_limit or Decimal(0)) - others)


def _tried_amount(v: View, inv: WpInvoicer) -> Decimal | None:
    actor = v.tp.ref if inv.is_admin else f"{v.tp.ref}/{inv.name}"
    e = v.last(["issue_invoice"], lambda e: e.actor == actor)
    return Decimal(str(args_of(e).get("amount"))) if e is not None and args_of(e).get("amount") else None


@rule("no_permission")
def no_permission(v: View):
    a = v.account
    if a is None or not v.ygz:
        return
    # The 系统管理员 starts without segment or amounts (FAQ 4.1); it lacks permission only once it
    # works as an invoicer (logs in with the 国税 client). An added 开票员 is there to issue.
    issuing_admins = set(v.s.scalars(select(WpSession.invoicer_id).where(
        WpSession.world_id == v.w, WpSession.account_id == a.id, WpSession.client == "guoshui")))
    for inv in v.invoicers:
        if inv.is_admin and inv.id not in issuing_admins:
            continue
        segs = wq.segments(v.s, v.w, a.id, invoicer_id=inv.id)
        missing = []
        if not segs:
            missing.append(("no invoice segment", "未分配发票号段"))
        elif all(wq.next_number(v.s, v.w, a.id, inv.id, code) is None for code in {s.code for s in segs}):
            missing.append(("no number left in its segments (all issued, or no longer delivered after a return)",
                            "已分配号段中没有可用号码（已全部开具，或退票后已不在领购信息中）"))
        needs_segment = bool(missing)
        no_amounts = inv.red_amount is None or inv.cache_amount is None
        if no_amounts:
            missing.append(("no monthly red / cache amounts", "未分配月冲红和缓存金额"))
        if not missing:
            continue
        name = None if inv.is_admin else inv.name
        actor = v.tp.ref if inv.is_admin else f"{v.tp.ref}/{inv.name}"
        tried = v.last(["issue_invoice"], lambda e: e.actor == actor)
        hit = tried is not None and tried.error_code == "NO_PERMISSION_TO_SAVE"
        segments = ", ".join(f"{s.code} {no(s.start_no)}–{no(s.end_no)}" for s in segs) or "—"
        cache = inv.cache_amount or max(_tried_amount(v, inv) or Decimal(0), Decimal(proposal("cache_amount")))
        yield Finding("NO_PERMISSION_TO_SAVE", (
            f"开票员 {inv.name} is not yet given enough permission to issue (开票员无权限保存): "
            f"{' and '.join(m[0] for m in missing)}. The 系统管理员 allocates segments (allocate_segment) and amounts "
            f"(allocate_amounts)",
            f"开票员“{inv.name}”未被分配足够权限开具发票：{'、'.join(m[1] for m in missing)}。请系统管理员“分配发票号段”"
            f"并“分配月冲红和缓存金额”"),
            HIT if hit else WILL,
            [f"{inv.name}: segments {segments}; red {inv.red_amount if inv.red_amount is not None else '—'}, "
             f"cache {inv.cache_amount if inv.cache_amount is not None else '—'}"],
            {"login": v.login(), "invoicer": inv.name, "segment": needs_segment, "amounts": no_amounts,
             **_free_segment(v, inv), "red_amount": inv.red_amount if inv.red_amount is not None
             else _unallocated_red(v, inv), "cache_amount": cache},
            probe=v.retry_step(tried) if hit else v.issue_step(invoicer=name))


@rule("cache_exceeded")
def cache_exceeded(v: View):
    e = v.last(["issue_invoice"])
    if v.account is None or e is None or e.error_code != "AMOUNT_EXCEEDS_CACHE":
        return
    name = e.actor.partition("/")[2] or None
    inv = v.invoicer_named(name)
    amount = Decimal(str(args_of(e).get("amount", "0")))
    if inv is None or (inv.cache_amount or Decimal(0)) >= amount:
        return
    when = t(e.sim_time)
    yield Finding("AMOUNT_EXCEEDS_CACHE", (
        f"the invoice of {amount} at {when} by {inv.name} is over its 缓存金额 {inv.cache_amount}: the 系统管理员 "
        f"allocates a larger cache amount (allocate_amounts)",
        f"{inv.name} 于 {when} 开具 {amount} 的发票，超过其缓存金额 {inv.cache_amount}：请系统管理员“分配月冲红和缓存金额”"),
        HIT, [f"{inv.name}: cache {inv.cache_amount}"],
        {"login": v.login(), "invoicer": inv.name, "red_amount": inv.red_amount or Decimal(0), "cache_amount": amount},
        probe=v.retry_step(e))
