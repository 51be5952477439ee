"""The pipeline view: for one taxpayer, what 金三, the 清分库 and 网票 each hold, every item still on
its way with the channel that will carry it and the simulated time it will arrive (``pending``),
and every delivery of every channel with its made / due / delivered times (``deliveries``, see
:mod:`.deliveries`).

Arrival times come from the same triggers the clock fires (jobs/schedules.py): an item ready at
``r`` rides the first occurrence at or after ``r``; one ready already rides the next occurrence
after now (the occurrences at "now" have run).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs import schedules

from ..clearing.models import ClIndustry, ClTaxpayer
from ..clock import EPSILON, fmt, local
from ..db import scoped_to_world
from ..errors import OperationError
from ..jinsan.models import Change, Industry, Item, ItemRequest, Return, Sale, Taxpayer, TaxpayerIndustry
from ..wangpiao.models import WpAccount, WpItem, WpPurchase, WpTaxpayerIndustry
from ..worlds.models import InvoiceType
from .deliveries import deliveries, describe
from .models import JobRun, WorkItem

NEEDS_SYNC_INFO = "never (sale before enablement: needs 同步信息)"
NEEDS_ENABLEMENT = "never (网票 not enabled: needs 开通网票)"


def next_fire(job: str, ready: datetime, now: datetime) -> datetime:
    """The occurrence of ``job`` that carries an item ready at ``ready`` when the clock is at ``now``."""
    trigger = schedules.schedules()[job].trigger
    start = ready if ready > now else now + EPSILON
    return trigger.get_next_fire_time(None, local(start)).astimezone(timezone.utc)


def _no(n: int) -> str:
    return f"{n:08d}"


def _range(code: str, start: int, end: int) -> str:
    return f"{code} {_no(start)}–{_no(end)}"


def pipeline(session: Session, world, taxpayer_ref: str) -> dict:
    """What 金三, the 清分库 and 网票 hold for one taxpayer, and what is on its way (ORM queries see
    ``world`` only)."""
    with scoped_to_world(session, world.id):
        return _pipeline(session, world, taxpayer_ref)


def _pipeline(session: Session, world, taxpayer_ref: str) -> dict:
    w, now = world.id, world.clock_now
    tp = session.execute(select(Taxpayer).where(Taxpayer.world_id == w, Taxpayer.ref == taxpayer_ref)
                         ).scalar_one_or_none()
    if tp is None:
        raise OperationError("INVALID_INPUT", field="taxpayer", reason=f"no taxpayer {taxpayer_ref!r} in this world")
    acc = session.execute(select(WpAccount).where(WpAccount.world_id == w, WpAccount.source_taxpayer_id == tp.id)
                          ).scalar_one_or_none()
    cl = session.execute(select(ClTaxpayer).where(ClTaxpayer.world_id == w, ClTaxpayer.source_taxpayer_id == tp.id)
                         ).scalar_one_or_none()
    wangpiao_codes = set(session.scalars(select(InvoiceType.code).where(InvoiceType.world_id == w,
                                                                         InvoiceType.wangpiao.is_(True))))
    sales = list(session.scalars(select(Sale).where(Sale.world_id == w, Sale.taxpayer_id == tp.id).order_by(Sale.id)))
    returns = list(session.scalars(select(Return).where(Return.world_id == w, Return.taxpayer_id == tp.id)
                                   .order_by(Return.id)))
    js_industries = session.execute(select(TaxpayerIndustry.slot, Industry.code, Industry.name)
                                    .join(Industry, (Industry.world_id == TaxpayerIndustry.world_id)
                                          & (Industry.id == TaxpayerIndustry.industry_id))
                                    .where(TaxpayerIndustry.world_id == w, TaxpayerIndustry.taxpayer_id == tp.id)
                                    .order_by(TaxpayerIndustry.slot)).all()
    cl_industries = session.execute(select(ClIndustry.slot, ClIndustry.industry_code)
                                    .where(ClIndustry.world_id == w, ClIndustry.source_taxpayer_id == tp.id)
                                    .order_by(ClIndustry.slot)).all()
    wp_purchases, wp_industries = [], []
    if acc is not None:
        wp_purchases = list(session.scalars(select(WpPurchase).where(WpPurchase.world_id == w,
                                                                     WpPurchase.account_id == acc.id)
                                            .order_by(WpPurchase.code, WpPurchase.start_no)))
        wp_industries = session.execute(select(WpTaxpayerIndustry.slot, WpTaxpayerIndustry.industry_code)
                                        .where(WpTaxpayerIndustry.world_id == w,
                                               WpTaxpayerIndustry.account_id == acc.id)
                                        .order_by(WpTaxpayerIndustry.slot)).all()
    return {
        "taxpayer": tp.ref,
        "now": fmt(now),
        "jinsan": {
            "enabled": tp.wangpiao_enabled, "enabled_at": fmt(tp.enabled_at),
            "former_ds_wangpiao": tp.former_ds_wangpiao,
            "sales": [{"sale_id": s.id, "range": _range(s.code, s.start_no, s.end_no), "sold_at": fmt(s.sold_at),
                       "status": s.status, "enabled_at_sale": s.enabled_at_sale, "parent_id": s.parent_id,
                       "wangpiao_code": s.code in wangpiao_codes} for s in sales],
            "returns": [{"return_id": r.id, "sale_id": r.sale_id, "range": _range(r.code, r.start_no, r.end_no),
                         "returned_at": fmt(r.returned_at)} for r in returns],
            "red_limit": _money(tp.red_limit),
            "industries": [{"slot": s, "code": c, "name": n} for s, c, n in js_industries],
            "industries_seq": tp.industries_seq,
        },
        "clearing": {
            "taxpayer": cl is not None, "cleared_at": fmt(cl.cleared_at) if cl else None,
            "industries": [{"slot": s, "code": c} for s, c in cl_industries],
            "industries_seq": cl.industries_seq if cl else None,
        },
        "wangpiao": {
            "account": None if acc is None else {
                "created_at": fmt(acc.created_at), "created_by": acc.created_by,
                "password_state": acc.password_state, "ca": acc.ca, "ygz": acc.ygz, "dual": acc.dual},
            "purchases": [{"range": _range(p.code, p.start_no, p.end_no), "sale_id": p.source_sale_id,
                           "delivered_at": fmt(p.delivered_at), "channel": p.channel} for p in wp_purchases],
            "industries": [{"slot": s, "code": c} for s, c in wp_industries],
            "red_limit": _money(acc.red_limit) if acc else None,
        },
        "pending": _pending(session, world, tp, acc),
        "deliveries": deliveries(session, world, tp, acc),
    }


def _money(v) -> str | None:
    return None if v is None else f"{v:.2f}"


def _account_arrival(tp: Taxpayer, acc, now: datetime) -> tuple[str, datetime | None]:
    """When 网票 will hold the taxpayer's account: (channel, time); time None when never by itself."""
    if acc is not None:
        return "", now
    if not tp.wangpiao_enabled:
        return "", None
    if tp.former_ds_wangpiao:
        return schedules.INCREMENTAL, next_fire(schedules.INCREMENTAL, now, now)
    return schedules.NIGHTLY_CLEARING, next_fire(schedules.NIGHTLY_CLEARING, now, now)


def _pending(session: Session, world, tp: Taxpayer, acc) -> list[dict]:
    w, now = world.id, world.clock_now
    out: list[dict] = []
    acc_channel, acc_at = _account_arrival(tp, acc, now)
    if acc is None:
        out.append({"what": "网票 account with its 系统管理员", "channel": acc_channel or None,
                    "arrives": fmt(acc_at) if acc_at else NEEDS_ENABLEMENT})
    changes = session.execute(select(Change, Sale).outerjoin(Sale, (Sale.world_id == Change.world_id)
                                                                   & (Sale.id == Change.sale_id))
                              .where(Change.world_id == w, Change.taxpayer_id == tp.id,
                                     Change.delivered_at.is_(None)).order_by(Change.seq, Change.id)).all()
    for change, sale in changes:
        what = _describe(change, sale)
        if not change.auto and not change.forced:
            out.append({"what": what, "channel": None, "arrives": NEEDS_SYNC_INFO})
            continue
        if acc_at is None:
            out.append({"what": what, "channel": None, "arrives": NEEDS_ENABLEMENT})
            continue
        ready = change.ready_at if change.auto and not change.forced else now
        if acc is None:
            ready = max(ready, acc_at)
            at = ready if ready == acc_at else next_fire(schedules.INCREMENTAL, ready, now)
        else:
            at = next_fire(schedules.INCREMENTAL, ready, now)
        out.append({"what": what, "channel": schedules.INCREMENTAL, "arrives": fmt(at),
                    **({"forced": True} if change.forced else {})})
    if tp.industries_seq and (acc is None or acc.industries_seq is None or acc.industries_seq < tp.industries_seq):
        if acc is not None and acc.industries_seq is not None:
            channel, at = schedules.INDUSTRY_INCREMENTAL, next_fire(schedules.INDUSTRY_INCREMENTAL, now, now)
        else:
            channel, at = schedules.NIGHTLY_CLEARING, (max(acc_at, next_fire(schedules.NIGHTLY_CLEARING, now, now))
                                                       if acc_at else None)
        out.append({"what": "industry assignment (行业核定)", "channel": channel,
                    "arrives": fmt(at) if at else NEEDS_ENABLEMENT})
    approved = session.execute(select(Item.id, Item.name, Industry.code)
                               .join(Industry, (Industry.world_id == Item.world_id) & (Industry.id == Item.industry_id))
                               .join(ItemRequest, (ItemRequest.world_id == Item.world_id) & (ItemRequest.item == Item.name)
                                     & (ItemRequest.industry_id == Item.industry_id))
                               .where(Item.world_id == w, ItemRequest.world_id == w,
                                      ItemRequest.taxpayer_id == tp.id, ItemRequest.status == "approved")).all()
    for item_id, name, code in approved:
        if session.execute(select(WpItem.id).where(WpItem.world_id == w, WpItem.industry_code == code,
                                                   WpItem.name == name)).first() is None:
            out.append({"what": f"item {name} ({code})", "channel": schedules.NIGHTLY_CLEARING,
                        "arrives": fmt(next_fire(schedules.NIGHTLY_CLEARING, now, now))})
    return out


def _describe(change: Change, sale: Sale | None) -> str:
    return describe(change, sale)[0]


def job_runs(session: Session, world, limit: int = 100) -> list[dict]:
    rows = session.scalars(select(JobRun).where(JobRun.world_id == world.id)
                           .order_by(JobRun.scheduled_for.desc(), JobRun.id.desc()).limit(limit))
    return [{"job": r.job, "scheduled_for": fmt(r.scheduled_for), "items": r.items, "status": r.status,
             "reason": r.reason,
             "finished_wall": r.finished_wall.isoformat(timespec="seconds") if r.finished_wall else None}
            for r in rows]


def work_items(session: Session, world, limit: int = 50) -> list[dict]:
    """Due work of the ops channel (CA cancellations), newest first."""
    rows = session.scalars(select(WorkItem).where(WorkItem.world_id == world.id)
                           .order_by(WorkItem.due_at.desc(), WorkItem.id.desc()).limit(limit))
    return [{"kind": w.kind, "taxpayer": w.taxpayer_ref, "created_at": fmt(w.created_at), "due_at": fmt(w.due_at),
             "done_at": fmt(w.done_at)} for w in rows]


def manual_pushes(session: Session, world, limit: int = 50) -> list[dict]:
    """同步信息 as officers did it (the manual channel), newest first, from the audit log."""
    from ..audit.models import AuditEntry

    rows = session.scalars(select(AuditEntry).where(AuditEntry.world_id == world.id, AuditEntry.operation == "sync_info",
                                                    AuditEntry.error_code.is_(None))
                           .order_by(AuditEntry.id.desc()).limit(limit))
    return [{"at": fmt(e.sim_time), "taxpayer": e.taxpayer_ref, "actor": e.actor,
             "delivered": (e.result or {}).get("delivered", 0), "waiting": (e.result or {}).get("waiting", 0)}
            for e in rows]
