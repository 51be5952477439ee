"""The per-taxpayer pipeline picture: 金三, 清分库 and 网票 side by side on one time axis.

The data comes from ``backoffice.sync.pipeline.pipeline(session, world, ref)`` when that module
is there; its shape is read tolerantly. Without it a plain read of the three sides' rows stands
in, so the picture degrades instead of failing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select

from ..clock import fmt, local, next_events, parse_time

LANES = (("jinsan", _l("金三")), ("clearing", _l("清分库")), ("wangpiao", _l("网票")))
LANE_ALIASES = {"jinsan": "jinsan", "js": "jinsan", "金三": "jinsan", "clearing": "clearing", "cl": "clearing",
                "清分库": "clearing", "wangpiao": "wangpiao", "wp": "wangpiao", "网票": "wangpiao"}
TIME_KEYS = ("time", "at", "when", "due_at", "ready_at", "created_at", "delivered_at", "sold_at")
LABEL_KEYS = ("label", "label_zh", "what", "text", "title", "kind", "event")

WIDTH, LEFT, RIGHT, LANE_H, TOP = 960, 70, 60, 84, 30


def _time(v) -> datetime | None:
    if v is None:
        return None
    try:
        return parse_time(v)
    except Exception:
        return None


def _event(raw, lane: str | None = None) -> dict | None:
    if not isinstance(raw, dict):
        return None
    lane = LANE_ALIASES.get(str(raw.get("lane") or raw.get("side") or lane or ""), None)
    t = next((x for x in (_time(raw.get(k)) for k in TIME_KEYS) if x is not None), None)
    if lane is None or t is None:
        return None
    label = next((str(raw[k]) for k in LABEL_KEYS if raw.get(k)), "")
    status = str(raw.get("status") or "")
    pending = bool(raw.get("pending")) or status in ("pending", "waiting", "blocked") or raw.get("delivered") is False
    blocked = bool(raw.get("blocked")) or status == "blocked" or raw.get("auto") is False and pending
    note = raw.get("note") or raw.get("why") or raw.get("reason") or ""
    return {"lane": lane, "time": t, "label": label, "pending": pending, "blocked": blocked, "note": str(note)}


def _ev(lane, t, label, pending=False, blocked=False, note="") -> dict | None:
    t = _time(t)
    if t is None:
        return None
    return {"lane": lane, "time": t, "label": label, "pending": pending, "blocked": blocked, "note": note or ""}


def from_sync_pipeline(data: dict, now: datetime) -> list[dict]:
    """backoffice.sync.pipeline's picture: what each side holds, and what is still on its way."""
    try:
        from ..sync.pipeline import NEEDS_ENABLEMENT, NEEDS_SYNC_INFO
    except ImportError:  # pragma: no cover - the module came without its constants
        NEEDS_ENABLEMENT = NEEDS_SYNC_INFO = None
    from .menus import job_label
    js, cl, wp = data.get("jinsan") or {}, data.get("clearing") or {}, data.get("wangpiao") or {}
    out = [_ev("jinsan", js.get("enabled_at"), _("开通网票"))]
    for s in js.get("sales", []):
        notes = []
        if s.get("enabled_at_sale") is False:
            notes.append(_("发售时未开通网票"))
        if s.get("wangpiao_code") is False:
            notes.append(_("非网票号段"))
        if s.get("status") == "returned":
            notes.append(_("已退"))
        out.append(_ev("jinsan", s.get("sold_at"), _("发售") + f" {s.get('range', '')}", note="; ".join(notes)))
    for r in js.get("returns", []):
        out.append(_ev("jinsan", r.get("returned_at"), _("退票") + f" {r.get('range', '')}"))
    if cl.get("cleared_at"):
        codes = ", ".join(i.get("code", "") for i in cl.get("industries", []))
        out.append(_ev("clearing", cl["cleared_at"], _("清分"), note=codes))
    account = wp.get("account")
    if account:
        out.append(_ev("wangpiao", account.get("created_at"), _("网票账户"), note=job_label(account.get("created_by", ""))))
    for p in wp.get("purchases", []):
        out.append(_ev("wangpiao", p.get("delivered_at"), _("领购") + f" {p.get('range', '')}",
                       note=job_label(p.get("channel", ""))))
    for item in data.get("pending", []):
        arrives = item.get("arrives")
        when = _time(arrives)
        if when is not None:
            out.append(_ev("wangpiao", when, str(item.get("what", "")), pending=True,
                           note=job_label(item.get("channel") or "")))
            continue
        note = {NEEDS_SYNC_INFO: _("仅“同步信息”可送达"), NEEDS_ENABLEMENT: _("需先开通网票")}.get(arrives, arrives)
        out.append(_ev("jinsan", now, str(item.get("what", "")), pending=True, blocked=True, note=str(note or "")))
    return [e for e in out if e]


def normalize(data) -> list[dict]:
    """Accepts {lanes: {lane: [..]}}, {lane: [..]}, {events|items: [..]} or a list of events."""
    events: list[dict] = []
    if isinstance(data, dict):
        lanes = data.get("lanes")
        if isinstance(lanes, dict):
            data = lanes
        elif isinstance(lanes, list):
            for lane in lanes:
                if isinstance(lane, dict):
                    key = lane.get("key") or lane.get("name") or lane.get("lane")
                    for raw in lane.get("items") or lane.get("events") or []:
                        events.append(_event(raw, key))
            return [e for e in events if e]
        for key in ("events", "items", "timeline"):
            if isinstance(data.get(key), list):
                return [e for e in (_event(r) for r in data[key]) if e]
        for key, value in data.items():
            if key in LANE_ALIASES and isinstance(value, list):
                events.extend(_event(r, key) for r in value)
    elif isinstance(data, list):
        events.extend(_event(r) for r in data)
    return [e for e in events if e]


def fallback(session, world, ref: str) -> list[dict]:
    """A plain read of each side's rows for one taxpayer."""
    from ..clearing.models import ClTaxpayer
    from ..jinsan.models import Change, Sale, Taxpayer
    from ..wangpiao.models import WpAccount, WpPurchase

    w = world.id
    out: list[dict] = []
    tp = session.execute(select(Taxpayer).where(Taxpayer.world_id == w, Taxpayer.ref == ref)).scalar_one_or_none()
    if tp is None:
        return out
    if tp.enabled_at:
        out.append({"lane": "jinsan", "time": tp.enabled_at, "label": _("开通网票"), "pending": False,
                    "blocked": False, "note": ""})
    sales = {s.id: s for s in session.scalars(select(Sale).where(Sale.world_id == w, Sale.taxpayer_id == tp.id))}
    for s in sales.values():
        out.append({"lane": "jinsan", "time": s.sold_at,
                    "label": _("发售") + f" {s.code} {s.start_no:08d}–{s.end_no:08d}", "pending": False, "blocked": False,
                    "note": "" if s.enabled_at_sale else _("发售时未开通网票")})
    for c in session.scalars(select(Change).where(Change.world_id == w, Change.taxpayer_id == tp.id)):
        if c.delivered_at is None:
            out.append({"lane": "jinsan", "time": c.ready_at, "label": _("待同步") + f" {c.kind}", "pending": True,
                        "blocked": not c.auto, "note": "" if c.auto else _("仅“同步信息”可送达")})
    cl = session.execute(select(ClTaxpayer).where(ClTaxpayer.world_id == w,
                                                  ClTaxpayer.source_taxpayer_id == tp.id)).scalar_one_or_none()
    if cl is not None:
        out.append({"lane": "clearing", "time": cl.cleared_at, "label": _("清分"), "pending": False, "blocked": False,
                    "note": ""})
    acct = session.execute(select(WpAccount).where(WpAccount.world_id == w, WpAccount.ref == ref)).scalar_one_or_none()
    if acct is not None:
        out.append({"lane": "wangpiao", "time": acct.created_at, "label": _("网票账户"), "pending": False,
                    "blocked": False, "note": acct.created_by})
        for p in session.scalars(select(WpPurchase).where(WpPurchase.world_id == w, WpPurchase.account_id == acct.id)):
            out.append({"lane": "wangpiao", "time": p.delivered_at,
                        "label": _("领购") + f" {p.code} {p.start_no:08d}–{p.end_no:08d}", "pending": False,
                        "blocked": False, "note": p.channel})
    elif tp.wangpiao_enabled:
        out.append({"lane": "wangpiao", "time": world.clock_now, "label": _("等待账户同步"), "pending": True,
                    "blocked": False, "note": ""})
    return out


def pipeline_picture(session, world, ref: str) -> dict:
    source, note = "sync.pipeline", ""
    events: list[dict] = []
    try:
        from ..sync.pipeline import pipeline
    except ImportError:
        pipeline = None
    if pipeline is not None:
        try:
            data = pipeline(session, world, ref)
            if isinstance(data, dict) and isinstance(data.get("jinsan"), dict):
                events = from_sync_pipeline(data, world.clock_now)
            else:
                events = normalize(data)
        except Exception as exc:  # a half-written pipeline must not take the control room down
            session.rollback()
            note = f"{type(exc).__name__}: {exc}"
            events = []
    if not events:
        source = "fallback"
        events = fallback(session, world, ref)
    from .menus import job_label
    upcoming = [(t, job_label(name)) for t, _p, name, _x in next_events(session, world)][:3]
    now = world.clock_now
    times = [e["time"] for e in events] + [now] + [t for t, _n in upcoming]
    lo, hi = min(times), max(times)
    if hi - lo < timedelta(hours=1):
        hi = lo + timedelta(hours=1)
    span = (hi - lo).total_seconds()
    plot_w = WIDTH - LEFT - RIGHT

    def x(t: datetime) -> float:
        return round(LEFT + (t - lo).total_seconds() / span * plot_w, 1)

    lane_y = {key: TOP + i * LANE_H + LANE_H / 2 for i, (key, _label) in enumerate(LANES)}
    events.sort(key=lambda e: e["time"])
    placed = []
    stagger: dict[str, int] = {}
    for e in events:
        n = stagger.get(e["lane"], 0)
        stagger[e["lane"]] = n + 1
        ex = x(e["time"])
        # labels near either end are anchored inwards so they are not cut off
        anchor = "start" if ex < LEFT + 90 else ("end" if ex > WIDTH - RIGHT - 90 else "middle")
        placed.append({**e, "x": ex, "y": lane_y[e["lane"]], "dy": (-12, 20, -24, 32)[n % 4], "anchor": anchor,
                       "when": local(e["time"]).strftime("%m-%d %H:%M"), "iso": fmt(e["time"])})
    ticks = []
    for i in range(5):
        t = lo + (hi - lo) * i / 4
        ticks.append({"x": x(t), "label": local(t).strftime("%m-%d %H:%M")})
    return {"events": placed, "lanes": [(k, str(label), lane_y[k]) for k, label in LANES], "ticks": ticks,
            "lane_names": {k: str(label) for k, label in LANES},
            "now_x": x(now), "width": WIDTH, "height": TOP + LANE_H * len(LANES) + 30, "left": LEFT,
            "right": WIDTH - RIGHT, "source": source, "note": note,
            "upcoming": [{"x": x(t), "name": name, "when": local(t).strftime("%m-%d %H:%M")} for t, name in upcoming]}
