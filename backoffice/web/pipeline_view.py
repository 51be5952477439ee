"""The per-taxpayer pipeline picture: 金三, 清分库, 网票 and the taxpayer's PC on one time axis.

Every delivery of ``backoffice.sync.pipeline`` (sales and returns, accounts, industries and items,
red limits, password resets, flags, CA cancellations, uploaded invoices, the PC client) becomes a
point where it was made and a point where it arrived — or is due, dashed — joined by a line and
labelled with its channel. Labels are placed so that they never overlap: on each lane they take
the first free row above or below the line; what still does not fit keeps its point and its
tooltip, and every delivery is in the table below the picture anyway. The time axis gives each
distinct moment room of its own (a day of quiet does not squeeze ten minutes of work into a dot).

Without the sync pipeline module (a partial build) a plain read of each side's rows stands in.
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from ..clock import fmt, local, next_events, parse_time

LANES = (("jinsan", _l("金三")), ("clearing", _l("清分库")), ("wangpiao", _l("网票")), ("pc", _l("纳税人电脑")))
CHANNELS = {"incremental": _l("增量同步"), "nightly_clearing": _l("夜间清分同步"),
            "industry_incremental": _l("行业增量同步"), "sync_info": _l("同步信息"), "ops": _l("网票后台运维"),
            "upload": _l("上传金三"), "pc": _l("PC 客户端"), "setup": _l("初始数据"), "ca_cancel": _l("取消CA处理")}
STATUSES = {"delivered": _l("已送达"), "pending": _l("待送达"), "blocked": _l("受阻"), "state": _l("当前状态")}

WIDTH, RIGHT, TOP, FONT = 1240, 24, 44, 12
LEFT = 96   # the least room for the lanes' names (English names get more)
TIER_STEP, MAX_TIERS, LABEL_CHARS = 15, 6, 22


def english() -> bool:
    """Whether the page is in English (the language switch or ?lang=en), else Chinese."""
    try:
        return str(get_locale()) == "en"
    except RuntimeError:   # outside a request
        return False


def channel_label(name: str | None) -> str:
    return str(CHANNELS.get(name, name or ""))


def text_width(text: str, size: int = FONT) -> float:
    """A label's width in the picture's units: CJK characters are square, Latin ones about 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def _time(v) -> datetime | None:
    if v is None:
        return None
    try:
        return parse_time(v)
    except Exception:
        return None


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def events_from(data: dict, now: datetime) -> tuple[list[dict], list[tuple[int, int, bool]]]:
    """Points on the lanes and the lines joining a delivery's two ends (index, index, pending)."""
    en = english()
    events: list[dict] = []
    links: list[tuple[int, int, bool]] = []

    def add(lane, t, label, status, note, full=None) -> int:
        events.append({"lane": lane, "time": t, "label": label, "full": full or label, "status": status,
                       "pending": status == "pending", "blocked": status == "blocked", "note": note})
        return len(events) - 1

    cl = data.get("clearing") or {}
    if cl.get("cleared_at"):
        add("clearing", _time(cl["cleared_at"]), _("清分"), "delivered",
            ", ".join(i.get("code", "") for i in cl.get("industries", [])))
    for d in data.get("deliveries", []):
        what = d.get("short") if en else d.get("short_zh")
        full = d["what"] if en else d["what_zh"]
        what = what or full
        note = d["note"] if en else d["note_zh"]
        channel = channel_label(d["channel"])
        note_text = "; ".join(x for x in (channel, note) if x)
        made, due, delivered = _time(d["made"]), _time(d["due"]), _time(d["delivered"])
        status = d["status"]
        if status == "state" or d["from"] == d["to"]:
            add(d["to"], made or now, what, status if status == "state" else "delivered", note_text, full)
            continue
        if status == "blocked":
            add(d["from"], made or now, what, "blocked", note_text, full)
            continue
        src = add(d["from"], made, what, "delivered", note_text, full) if made is not None else None
        end = delivered or due
        if end is not None:
            dst = add(d["to"], end, what, "delivered" if delivered else "pending", note_text, full)
            if src is not None:
                links.append((src, dst, delivered is None))
    return [e for e in events if e["time"] is not None], links


def fallback(session, world, ref: str) -> list[dict]:
    """A plain read of each side's rows for one taxpayer (no sync pipeline module)."""
    from ..clearing.models import ClTaxpayer
    from ..jinsan.models import Change, Sale, Taxpayer
    from ..wangpiao.models import WpAccount, WpPurchase

    w = world.id
    out: list[dict] = []

    def ev(lane, t, label, status="delivered", note=""):
        out.append({"lane": lane, "time": t, "label": label, "full": label, "status": status,
                    "pending": status == "pending", "blocked": status == "blocked", "note": note})

    tp = session.execute(select(Taxpayer).where(Taxpayer.world_id == w, Taxpayer.ref == ref)).scalar_one_or_none()
    if tp is None:
        return out
    if tp.enabled_at:
        ev("jinsan", tp.enabled_at, _("开通网票"))
    for s in session.scalars(select(Sale).where(Sale.world_id == w, Sale.taxpayer_id == tp.id)):
        ev("jinsan", s.sold_at, _("发售") + f" {s.code} {s.start_no:08d}–{s.end_no:08d}",
           note="" if s.enabled_at_sale else _("发售时未开通网票"))
    for c in session.scalars(select(Change).where(Change.world_id == w, Change.taxpayer_id == tp.id,
                                                  Change.delivered_at.is_(None))):
        ev("jinsan", c.ready_at, _("待同步") + f" {c.kind}", "pending" if c.auto else "blocked",
           "" if c.auto else _("仅“同步信息”可送达"))
    cl = session.execute(select(ClTaxpayer).where(ClTaxpayer.world_id == w,
                                                  ClTaxpayer.source_taxpayer_id == tp.id)).scalar_one_or_none()
    if cl is not None:
        ev("clearing", cl.cleared_at, _("清分"))
    acct = session.execute(select(WpAccount).where(WpAccount.world_id == w, WpAccount.ref == ref)).scalar_one_or_none()
    if acct is not None:
        ev("wangpiao", acct.created_at, _("网票账户"), note=acct.created_by)
        for p in session.scalars(select(WpPurchase).where(WpPurchase.world_id == w, WpPurchase.account_id == acct.id)):
            ev("wangpiao", p.delivered_at, _("领购") + f" {p.code} {p.start_no:08d}–{p.end_no:08d}", note=p.channel)
    elif tp.wangpiao_enabled:
        ev("wangpiao", world.clock_now, _("等待账户同步"), "pending")
    return out


class Axis:
    """Simulated time → x: each distinct moment gets room of its own, in time order."""

    def __init__(self, times: list[datetime], left: float, right: float):
        self.times = sorted(set(times))
        self.left, self.right = left, right
        n = len(self.times)
        span = (self.times[-1] - self.times[0]).total_seconds() or 1.0
        self.xs = [left + (right - left) * (0.35 * (t - self.times[0]).total_seconds() / span
                                            + 0.65 * (i / (n - 1) if n > 1 else 0.5))
                   for i, t in enumerate(self.times)]

    def __call__(self, t: datetime) -> float:
        if t <= self.times[0]:
            return round(self.xs[0], 1)
        for (t0, x0), (t1, x1) in zip(zip(self.times, self.xs), zip(self.times[1:], self.xs[1:])):
            if t <= t1:
                frac = (t - t0).total_seconds() / ((t1 - t0).total_seconds() or 1.0)
                return round(x0 + (x1 - x0) * frac, 1)
        return round(self.xs[-1], 1)

    def ticks(self, min_gap: float = 80) -> list[dict]:
        out, last = [], None
        for t, x in zip(self.times, self.xs):
            if last is None or x - last >= min_gap:
                out.append({"x": round(x, 1), "label": local(t).strftime("%m-%d %H:%M")})
                last = x
        return out


def place_labels(events: list[dict], left: float = LEFT) -> int:
    """Rows for the labels of one lane, alternately above and below its line, so that none overlap;
    returns how many rows are used. A label that fits in no row is left out (its point stays)."""
    rows: list[float] = []   # the right edge of the last label in each row
    for e in sorted(events, key=lambda e: e["x"]):
        text = _short(e["label"])
        w = text_width(text)
        lo = min(max(e["x"] - w / 2, left), WIDTH - RIGHT - w)
        e["text"], e["text_x"], e["anchor"] = text, round(lo, 1), "start"
        for i, edge in enumerate(rows):
            if lo > edge + 6:
                rows[i] = lo + w
                e["row"] = i
                break
        else:
            if len(rows) < MAX_TIERS:
                rows.append(lo + w)
                e["row"] = len(rows) - 1
            else:
                e["row"], e["text"] = None, ""
    return len(rows)


def _row_dy(row: int) -> int:
    """Row 0 just above the line, row 1 just below, then further out on each side."""
    k = row // 2 + 1
    return -(k * TIER_STEP) + 4 if row % 2 == 0 else k * TIER_STEP + 4


def pipeline_picture(session, world, ref: str) -> dict:
    source, note, data = "sync.pipeline", "", None
    events: list[dict] = []
    links: list[tuple[int, int, bool]] = []
    try:
        from ..sync.pipeline import pipeline
    except ImportError:
        pipeline = None
    if pipeline is not None:
        try:
            data = pipeline(session, world, ref)
            events, links = events_from(data, world.clock_now)
        except Exception as exc:  # a failing pipeline must not take the control room down
            session.rollback()
            note = f"{type(exc).__name__}: {exc}"
            events, links, data = [], [], None
    if not events:
        source, links = "fallback", []
        events = fallback(session, world, ref)
    from .menus import job_label
    upcoming = [(t, job_label(name)) for t, _p, name, _x in next_events(session, world)][:3]
    now = world.clock_now
    left = max(LEFT, max(text_width(str(label), 13) for _k, label in LANES) + 18)
    axis = Axis([e["time"] for e in events] + [now] + [t for t, _n in upcoming], left + 8, WIDTH - RIGHT - 8)
    for e in events:
        e["x"] = axis(e["time"])
        e["when"] = local(e["time"]).strftime("%m-%d %H:%M")
        e["iso"] = fmt(e["time"])
    lanes, y = [], TOP
    for key, label in LANES:
        mine = [e for e in events if e["lane"] == key]
        used = place_labels(mine, left)
        above, below = (used + 1) // 2, used // 2
        top_pad, bottom_pad = 14 + above * TIER_STEP, 14 + below * TIER_STEP
        line_y = y + top_pad
        for e in mine:
            e["y"] = line_y
            e["label_y"] = line_y + _row_dy(e["row"]) if e["row"] is not None else None
        lanes.append({"key": key, "label": str(label), "y": line_y, "top": y, "bottom": line_y + bottom_pad})
        y = line_y + bottom_pad
    up = []
    for t, name in upcoming:
        up.append({"x": axis(t), "name": name, "when": local(t).strftime("%m-%d %H:%M")})
    for i, u in enumerate(sorted(up, key=lambda u: u["x"])):
        u["label_y"] = 12 + 13 * (i % 2)
        label = f"{u['name']} {u['when'][6:]}"
        u["label"] = label
        # near the right edge the label runs leftwards so that it is not cut off
        u["anchor"], u["text_x"] = (("end", u["x"] - 3) if u["x"] + text_width(label, 11) > WIDTH - 4
                                    else ("start", u["x"] + 3))
    lines = [{"x1": events[a]["x"], "y1": events[a]["y"], "x2": events[b]["x"], "y2": events[b]["y"], "pending": p}
             for a, b, p in links if a < len(events) and b < len(events)]
    deliveries = (data or {}).get("deliveries", [])
    table = [shown(d) for d in deliveries]
    return {"events": sorted(events, key=lambda e: (e["time"], e["lane"])), "lanes": lanes, "lines": lines,
            "lane_names": {k: str(label) for k, label in LANES}, "ticks": axis.ticks(),
            "now_x": axis(now), "width": WIDTH, "height": y + 26, "left": left, "right": WIDTH - RIGHT,
            "source": source, "note": note, "upcoming": up, "deliveries": table}


def shown(d: dict) -> dict:
    """A delivery as a table row shows it, in the page's language."""
    en = english()
    return {**d, "what_shown": d["what"] if en else d["what_zh"], "note_shown": d["note"] if en else d["note_zh"],
            "channel_shown": channel_label(d["channel"]), "status_shown": str(STATUSES.get(d["status"], d["status"])),
            "made_shown": short_time(d["made"]), "due_shown": short_time(d["due"]),
            "delivered_shown": short_time(d["delivered"])}


def short_time(value: str | None) -> str:
    t = _time(value)
    return "—" if t is None else local(t).strftime("%m-%d %H:%M")
