"""The two invariants about deliveries: 网票 never ahead of 金三, and nothing lost on the way.

``wangpiao_ahead_of_jinsan`` — 网票 holds what 金三 never had: a purchase of a sale 金三 has no
record of (for that taxpayer, code and range), an account of a taxpayer 金三 never enabled,
industries newer than 金三's assignment (or, at the same version, different from it, or of an
industry 金三 does not know), a red limit 金三 never set.

``lost_delivery`` — something its channel's rules deliver and that has not arrived although the
channel's longest delay (the longest gap between two of its scheduled runs) has passed since it
was due, with no fault on the channel since then. A sale made before enablement is not due
(only 同步信息 delivers it), nor anything waiting for an account 网票 does not have yet (the
account's own lateness is reported instead).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from jobs import schedules

from ..audit.models import AuditEntry
from ..clock import fmt
from ..jinsan.models import Change, Industry, Item, Sale, Taxpayer, TaxpayerIndustry
from ..sync.fault_models import SyncFault, UploadReport
from ..wangpiao.models import WpAccount, WpItem, WpPurchase, WpTaxpayerIndustry

_CHANGE = aliased(Change, name="limit_change")
CHANNEL_JOBS = {"incremental": schedules.INCREMENTAL, "industry": schedules.INDUSTRY_INCREMENTAL,
                "nightly": schedules.NIGHTLY_CLEARING}


@lru_cache(maxsize=8)
def longest_gap(job: str) -> timedelta:
    """The longest wait between two runs of ``job`` (over a fortnight of its trigger)."""
    trigger = schedules.schedules()[job].trigger
    start = datetime(2016, 5, 2, tzinfo=timezone.utc)
    t = trigger.get_next_fire_time(None, start)
    gap = timedelta(0)
    # a week of runs shows a weekly pattern; 600 runs are enough to see a dense one repeat
    for _ in range(600):
        nxt = trigger.get_next_fire_time(t, t + timedelta(microseconds=1))
        if nxt is None:
            break
        gap = max(gap, nxt - t)
        t = nxt
        if t - start > timedelta(days=8):
            break
    return gap


def _cutoff(session: Session, world, channel: str, period: timedelta) -> datetime | None:
    """Due at or before this time and still missing = lost. A fault active now, or ended less than
    a period (plus its delay) ago, excuses whatever fell due after it began."""
    now = world.clock_now
    cut = now - period
    for f in session.scalars(select(SyncFault).where(SyncFault.world_id == world.id, SyncFault.channel == channel,
                                                     SyncFault.starts_at <= now)):
        reach = None if f.ends_at is None else f.ends_at + period + timedelta(seconds=f.delay_seconds or 0)
        if reach is None or reach > now:
            cut = min(cut, f.starts_at - period)
    return cut


# --- wangpiao_ahead_of_jinsan --------------------------------------------------------------------

def wangpiao_ahead_of_jinsan(session: Session, world, limit: int) -> list[dict]:
    w = world.id
    out: list[dict] = []
    a, p, s, t = WpAccount, WpPurchase, Sale, Taxpayer
    for pid, ref, code, lo, hi, at in session.execute(
            select(p.id, a.ref, p.code, p.start_no, p.end_no, p.delivered_at)
            .join(a, and_(a.world_id == w, a.id == p.account_id))
            .where(p.world_id == w, ~exists().where(
                s.world_id == w, s.id == p.source_sale_id, s.taxpayer_id == a.source_taxpayer_id, s.code == p.code,
                s.start_no <= p.start_no, s.end_no >= p.end_no))
            .order_by(p.id).limit(limit)).all():
        out.append(_ahead(ref, f"网票 holds a purchase {code} {lo:08d}–{hi:08d} of {ref} that 金三 never sold to it",
                          f"网票持有 {ref} 的领购信息 {code} {lo:08d}–{hi:08d}，但金三从未向其发售",
                          {"table": "wp_purchases", "id": pid, "time": fmt(at)}))
    for aid, ref, at in session.execute(
            select(a.id, a.ref, a.created_at).where(a.world_id == w, ~exists().where(
                t.world_id == w, t.id == a.source_taxpayer_id, t.wangpiao_enabled.is_(True)))
            .order_by(a.id).limit(limit)).all():
        out.append(_ahead(ref, f"网票 holds an account for {ref}, whom 金三 never enabled for 网票",
                          f"网票存在 {ref} 的账户，但金三从未为其开通网票",
                          {"table": "wp_accounts", "id": aid, "time": fmt(at)}))
    out += _industries_ahead(session, w, limit)
    c = _CHANGE
    for aid, ref, limit_wp, limit_js in session.execute(
            select(a.id, a.ref, a.red_limit, t.red_limit)
            .join(t, and_(t.world_id == w, t.id == a.source_taxpayer_id))
            .where(a.world_id == w, a.red_limit.is_not(None),
                   or_(t.red_limit.is_(None), t.red_limit != a.red_limit),
                   ~exists().where(c.world_id == w, c.taxpayer_id == t.id, c.kind == "red_limit",
                                   c.amount == a.red_limit))
            .order_by(a.id).limit(limit)).all():
        out.append(_ahead(ref, f"网票 holds a red limit {limit_wp} for {ref} that 金三 never set (金三: {limit_js})",
                          f"网票中 {ref} 的冲红限额为 {limit_wp}，金三从未设定此限额（金三：{limit_js}）",
                          {"table": "wp_accounts", "id": aid, "red_limit": str(limit_wp)},
                          {"table": "js_taxpayers", "ref": ref, "red_limit": None if limit_js is None else str(limit_js)}))
    return out[:limit]


def _industries_ahead(session: Session, w: int, limit: int) -> list[dict]:
    a, t, wti, ti, ind = WpAccount, Taxpayer, WpTaxpayerIndustry, TaxpayerIndustry, Industry
    same_code = select(ind.id).where(ind.world_id == w, ind.id == ti.industry_id,
                                     ind.code == wti.industry_code).correlate_except(ind)
    same_slot = select(ti.id).where(ti.world_id == w, ti.taxpayer_id == t.id, ti.slot == wti.slot,
                                    same_code.exists()).correlate_except(ti).exists()
    unknown = ~exists().where(ind.world_id == w, ind.code == wti.industry_code)
    rows = session.execute(
        select(a.id, a.ref, a.industries_seq, t.industries_seq, wti.slot, wti.industry_code)
        .join(t, and_(t.world_id == w, t.id == a.source_taxpayer_id))
        .join(wti, and_(wti.world_id == w, wti.account_id == a.id))
        .where(a.world_id == w, or_(a.industries_seq > t.industries_seq, unknown,
                                    and_(a.industries_seq == t.industries_seq, ~same_slot)))
        .order_by(a.id, wti.slot).limit(limit)).all()
    out = []
    for aid, ref, wp_seq, js_seq, slot, code in rows:
        out.append(_ahead(ref, f"网票 holds industry {code} (slot {slot}) for {ref}, which 金三 never assigned "
                               f"(网票's assignment #{wp_seq}, 金三's #{js_seq})",
                          f"网票中 {ref} 的行业 {code}（第 {slot} 位）金三从未核定（网票版本 {wp_seq}，金三版本 {js_seq}）",
                          {"table": "wp_taxpayer_industries", "account_id": aid, "slot": slot, "industry": code}))
    return out


def _ahead(ref: str, en: str, zh: str, *rows: dict) -> dict:
    return {"invariant": "wangpiao_ahead_of_jinsan", "taxpayers": [ref], "summary": en, "summary_zh": zh,
            "rows": list(rows)}


# --- lost_delivery --------------------------------------------------------------------------------

def lost_delivery(session: Session, world, limit: int) -> list[dict]:
    w = world.id
    inc = _cutoff(session, world, "incremental", longest_gap(schedules.INCREMENTAL))
    night = _cutoff(session, world, "nightly", longest_gap(schedules.NIGHTLY_CLEARING))
    industry = _cutoff(session, world, "industry", longest_gap(schedules.INDUSTRY_INCREMENTAL))
    out: list[dict] = []
    a, t, c = WpAccount, Taxpayer, Change
    for cid, ref, kind, ready, created, forced in session.execute(
            select(c.id, t.ref, c.kind, c.ready_at, c.created_at, c.forced)
            .join(t, and_(t.world_id == w, t.id == c.taxpayer_id))
            .join(a, and_(a.world_id == w, a.source_taxpayer_id == c.taxpayer_id))
            .where(c.world_id == w, c.delivered_at.is_(None), a.created_at <= inc,
                   or_(and_(c.auto.is_(True), c.ready_at <= inc), and_(c.forced.is_(True), c.created_at <= inc)))
            .order_by(c.seq).limit(limit)).all():
        due = created if forced else ready
        out.append(_lost(ref, "incremental", f"{ref}'s {kind} change, due at {fmt(due)}, never reached 网票",
                         f"{ref} 的 {kind} 变更应于 {fmt(due)} 同步，但未到达网票",
                         {"table": "js_changes", "id": cid, "kind": kind, "time": fmt(due)}))
    no_account = ~exists().where(a.world_id == w, a.source_taxpayer_id == t.id)
    for tid, ref, former, enabled in session.execute(
            select(t.id, t.ref, t.former_ds_wangpiao, t.enabled_at)
            .where(t.world_id == w, t.wangpiao_enabled.is_(True), no_account,
                   or_(and_(t.former_ds_wangpiao.is_(True), t.enabled_at <= inc),
                       and_(t.former_ds_wangpiao.is_(False), t.enabled_at <= night)))
            .order_by(t.id).limit(limit)).all():
        channel = "incremental" if former else "nightly"
        out.append(_lost(ref, channel, f"{ref} was enabled at {fmt(enabled)}; its 网票 account never arrived",
                         f"{ref} 已于 {fmt(enabled)} 开通网票，但网票账户始终未建立",
                         {"table": "js_taxpayers", "id": tid, "time": fmt(enabled)}))
    out += _lost_industries(session, w, night, industry, limit)
    out += _lost_items(session, w, night, limit)
    out += _lost_uploads(session, world, limit)
    return out[:limit]


def _lost_industries(session, w: int, night: datetime, industry: datetime, limit: int) -> list[dict]:
    a, t, e = WpAccount, Taxpayer, AuditEntry
    rows = session.execute(
        select(t.ref, a.industries_seq, t.industries_seq, e.sim_time, a.created_at)
        .join(a, and_(a.world_id == w, a.source_taxpayer_id == t.id))
        .join(e, and_(e.world_id == w, e.seq == t.industries_seq, e.operation == "assign_industries",
                      e.error_code.is_(None)))
        .where(t.world_id == w, t.industries_seq > func.coalesce(a.industries_seq, 0),
               or_(and_(a.industries_seq.is_not(None), e.sim_time <= industry),
                   and_(a.industries_seq.is_(None), e.sim_time <= night, a.created_at <= night)))
        .order_by(t.id).limit(limit)).all()
    return [_lost(ref, "industry" if wp_seq is not None else "nightly",
                  f"{ref}'s industry assignment of {fmt(at)} never reached 网票",
                  f"{ref} 于 {fmt(at)} 的行业核定未到达网票",
                  {"table": "js_taxpayers", "ref": ref, "industries_seq": js_seq, "time": fmt(at)})
            for ref, wp_seq, js_seq, at, _created in rows]


def _lost_items(session, w: int, night: datetime, limit: int) -> list[dict]:
    rows = session.execute(
        select(Item.id, Item.name, Industry.code, Item.added_at)
        .join(Industry, and_(Industry.world_id == w, Industry.id == Item.industry_id))
        .where(Item.world_id == w, Item.seq > 0, Item.added_at <= night,
               ~exists().where(WpItem.world_id == w, WpItem.industry_code == Industry.code, WpItem.name == Item.name))
        .order_by(Item.id).limit(limit)).all()
    return [_lost(None, "nightly", f"item {name} ({code}), approved at {fmt(at)}, never reached 网票",
                  f"品目 {name}（{code}）已于 {fmt(at)} 审核通过，但未到达网票",
                  {"table": "js_items", "id": iid, "time": fmt(at)}) for iid, name, code, at in rows]


def _lost_uploads(session, world, limit: int) -> list[dict]:
    w, now = world.id, world.clock_now
    failing = session.scalar(select(SyncFault.id).where(
        SyncFault.world_id == w, SyncFault.channel == "upload", SyncFault.starts_at <= now,
        or_(SyncFault.ends_at.is_(None), SyncFault.ends_at > now)).limit(1))
    u, t = UploadReport, Taxpayer
    held = u.due_at.is_(None) if failing is None else False
    rows = session.execute(
        select(u.id, t.ref, u.code, u.number, u.event, u.reported_at, u.due_at)
        .join(t, and_(t.world_id == w, t.id == u.source_taxpayer_id))
        .where(u.world_id == w, u.delivered_at.is_(None), or_(u.due_at <= now, held))
        .order_by(u.id).limit(limit)).all()
    return [_lost(ref, "upload", f"网票's report ({event}) of {code} {number:08d} for {ref}, sent at {fmt(sent)}, "
                                 f"never reached 金三", f"网票于 {fmt(sent)} 上传的 {ref} 发票 {code} {number:08d}（{event}）未到达金三",
                  {"table": "sync_upload_reports", "id": uid, "time": fmt(sent), "due_at": fmt(due)})
            for uid, ref, code, number, event, sent, due in rows]


def _lost(ref: str | None, channel: str, en: str, zh: str, *rows: dict) -> dict:
    return {"invariant": "lost_delivery", "taxpayers": [ref] if ref else [], "channel": channel, "summary": en,
            "summary_zh": zh, "rows": list(rows)}
