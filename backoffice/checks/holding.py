"""The two invariants about invoice numbers: who may issue a number, and who holds it in 网票.

``issued_outside_holding`` — a 网票 invoice whose number 金三 did not hold for that taxpayer (sold
to it, not returned) when it was issued. "When" is operation order: the upload ledger records the
last change sequence allocated before each report, and sales and returns carry their own, so an
invoice and a return in the same minute are ordered by which was done first.

``double_holding`` — one number held in 网票 by two taxpayers at once. 网票 drops a returned
range only when the return is delivered, so the history is read from 金三's outbox: taxpayer A
held a range in 网票 (its sale was delivered, or came with the world) and returned it; the range was
sold again to B, and B's sale reached 网票 before A's return did (or A's never did). Overlapping
purchases of two accounts in 网票 right now are reported too.

Each query is one set-based statement over one world, limited to what the report shows.
"""
from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from ..clock import fmt
from ..jinsan.models import Change, Return, Sale, Taxpayer
from ..sync.fault_models import UploadReport
from ..wangpiao.models import WpAccount, WpInvoice, WpPurchase


def _no(n: int) -> str:
    return f"{n:08d}"


def _range(code: str, lo: int, hi: int) -> str:
    return f"{code} {_no(lo)}–{_no(hi)}"


# aliases made once: building them costs more than the queries do on a small world
_S, _R = aliased(Sale, name="held_sale"), aliased(Return, name="held_return")
_R1, _S1, _S2 = aliased(Return, name="ret"), aliased(Sale, name="sale_a"), aliased(Sale, name="sale_b")
_CR, _C1, _C2, _CANY = (aliased(Change, name=n) for n in ("ret_change", "a_change", "b_change", "any_change"))
_TA, _TB = aliased(Taxpayer, name="tp_a"), aliased(Taxpayer, name="tp_b")
_P1, _P2 = aliased(WpPurchase, name="p1"), aliased(WpPurchase, name="p2")
_A1, _A2 = aliased(WpAccount, name="acc1"), aliased(WpAccount, name="acc2")


def issued_outside_holding(session: Session, world, limit: int) -> list[dict]:
    w = world.id
    s, r = _S, _R
    i, a, u = WpInvoice, WpAccount, UploadReport
    # nested EXISTS: each names what it owns (correlate_except), so the outer rows stay the outer rows
    returned = select(r.id).where(r.world_id == w, r.taxpayer_id == s.taxpayer_id, r.code == s.code,
                                  r.start_no <= i.number, r.end_no >= i.number, r.seq > s.seq,
                                  r.seq <= u.after_seq).correlate_except(r)
    held = select(s.id).where(
        s.world_id == w, s.taxpayer_id == a.source_taxpayer_id, s.code == i.code,
        s.start_no <= i.number, s.end_no >= i.number, s.seq <= u.after_seq,
        ~returned.exists()).correlate_except(s).exists()
    rows = session.execute(
        select(i.id, i.code, i.number, i.issued_at, a.ref, a.source_taxpayer_id, u.id, u.after_seq, u.delivered_at)
        .select_from(i)
        .join(a, and_(a.world_id == w, a.id == i.account_id))
        .join(u, and_(u.world_id == w, u.code == i.code, u.number == i.number, u.event == "issued",
                      u.source_taxpayer_id == a.source_taxpayer_id))
        .where(i.world_id == w, ~held)
        .order_by(i.issued_at, i.id).limit(limit)).all()
    out = []
    for inv_id, code, number, issued_at, ref, tp_id, report_id, after_seq, delivered_at in rows:
        taken = session.execute(
            select(Return.id, Return.start_no, Return.end_no, Return.returned_at, Return.seq)
            .where(Return.world_id == w, Return.taxpayer_id == tp_id, Return.code == code,
                   Return.start_no <= number, Return.end_no >= number, Return.seq <= after_seq)
            .order_by(Return.seq.desc()).limit(1)).first()
        rows_out = [{"table": "wp_invoices", "id": inv_id, "taxpayer": ref, "code": code, "number": _no(number),
                     "time": fmt(issued_at), "after_seq": after_seq},
                    {"table": "sync_upload_reports", "id": report_id, "delivered_at": fmt(delivered_at)}]
        if taken is not None:
            rows_out.append({"table": "js_returns", "id": taken.id, "taxpayer": ref,
                             "range": _range(code, taken.start_no, taken.end_no), "time": fmt(taken.returned_at),
                             "seq": taken.seq})
            en = (f"网票 issued {code} {_no(number)} for {ref} at {fmt(issued_at)}, after 金三 had taken it back "
                  f"(return at {fmt(taken.returned_at)})")
            zh = f"网票于 {fmt(issued_at)} 为 {ref} 开具了 {code} {_no(number)}，而金三已于 {fmt(taken.returned_at)} 将其退回"
        else:
            en = f"网票 issued {code} {_no(number)} for {ref} at {fmt(issued_at)}, a number 金三 never sold to it"
            zh = f"网票于 {fmt(issued_at)} 为 {ref} 开具了 {code} {_no(number)}，但金三从未向其发售该号码"
        out.append({"invariant": "issued_outside_holding", "taxpayers": [ref], "summary": en, "summary_zh": zh,
                    "rows": rows_out})
    return out


def double_holding(session: Session, world, limit: int) -> list[dict]:
    history = _double_history(session, world, limit)
    told = {(v["rows"][0]["range"].split()[0], tuple(sorted(v["taxpayers"]))) for v in history}
    now = [v for v in _double_now(session, world, limit)
           if (v["rows"][0]["range"].split()[0], tuple(sorted(v["taxpayers"]))) not in told]
    return (history + now)[:limit]


def _double_history(session: Session, world, limit: int) -> list[dict]:
    w = world.id
    r, s1, s2 = _R1, _S1, _S2
    cr, c1, c2, c_any = _CR, _C1, _C2, _CANY
    ta, tb = _TA, _TB
    # A held the returned numbers in 网票: a sale of them reached 网票 before the return (or came
    # with the world: a sale with no outbox entry at all)
    delivered = select(c1.id).where(c1.world_id == w, c1.sale_id == s1.id, c1.kind == "sale",
                                    c1.delivered_at.is_not(None), c1.delivered_at <= r.returned_at).correlate_except(c1)
    outboxed = select(c_any.id).where(c_any.world_id == w, c_any.sale_id == s1.id,
                                      c_any.kind == "sale").correlate_except(c_any)
    a_held = select(s1.id).where(
        s1.world_id == w, s1.taxpayer_id == r.taxpayer_id, s1.code == r.code, s1.seq < r.seq,
        s1.start_no <= r.end_no, s1.end_no >= r.start_no,
        or_(delivered.exists(), ~outboxed.exists())).correlate_except(s1).exists()
    rows = session.execute(
        select(r.id, ta.ref, r.code, r.start_no, r.end_no, r.returned_at, cr.delivered_at,
               s2.id, tb.ref, s2.start_no, s2.end_no, s2.sold_at, c2.delivered_at)
        .select_from(r)
        .join(cr, and_(cr.world_id == w, cr.return_id == r.id, cr.kind == "return"))
        .join(s2, and_(s2.world_id == w, s2.code == r.code, s2.taxpayer_id != r.taxpayer_id, s2.seq > r.seq,
                       s2.start_no <= r.end_no, s2.end_no >= r.start_no))
        .join(c2, and_(c2.world_id == w, c2.sale_id == s2.id, c2.kind == "sale", c2.delivered_at.is_not(None)))
        .join(ta, and_(ta.world_id == w, ta.id == r.taxpayer_id))
        .join(tb, and_(tb.world_id == w, tb.id == s2.taxpayer_id))
        .where(r.world_id == w, a_held, or_(cr.delivered_at.is_(None), cr.delivered_at > c2.delivered_at))
        .order_by(c2.delivered_at, r.id, s2.id).limit(limit)).all()
    out = []
    for (ret_id, a_ref, code, r_lo, r_hi, returned_at, ret_delivered, sale_id, b_ref, s_lo, s_hi, sold_at,
         sale_delivered) in rows:
        lo, hi = max(r_lo, s_lo), min(r_hi, s_hi)
        until = fmt(ret_delivered) if ret_delivered else None
        en = (f"{_range(code, lo, hi)} was held in 网票 by {a_ref} and {b_ref} at once: {b_ref}'s purchase arrived at "
              f"{fmt(sale_delivered)}, {a_ref}'s return (made {fmt(returned_at)}) "
              + (f"only at {until}" if until else "has not arrived"))
        zh = (f"{_range(code, lo, hi)} 在网票中同时由 {a_ref} 与 {b_ref} 持有：{b_ref} 的领购信息于 {fmt(sale_delivered)} 到达，"
              f"{a_ref} 的退票（{fmt(returned_at)}）" + (f"直到 {until} 才到达" if until else "尚未到达"))
        out.append({"invariant": "double_holding", "taxpayers": [a_ref, b_ref], "summary": en, "summary_zh": zh,
                    "rows": [{"table": "js_returns", "id": ret_id, "taxpayer": a_ref, "range": _range(code, r_lo, r_hi),
                              "time": fmt(returned_at), "delivered_at": until},
                             {"table": "js_sales", "id": sale_id, "taxpayer": b_ref, "range": _range(code, s_lo, s_hi),
                              "time": fmt(sold_at), "delivered_at": fmt(sale_delivered)}]})
    return out


def _double_now(session: Session, world, limit: int) -> list[dict]:
    w = world.id
    p1, p2, a1, a2 = _P1, _P2, _A1, _A2
    rows = session.execute(
        select(p1.id, a1.ref, p1.code, p1.start_no, p1.end_no, p1.delivered_at,
               p2.id, a2.ref, p2.start_no, p2.end_no, p2.delivered_at)
        .select_from(p1)
        .join(p2, and_(p2.world_id == w, p2.code == p1.code, p2.account_id > p1.account_id,
                       p2.start_no <= p1.end_no, p2.end_no >= p1.start_no))
        .join(a1, and_(a1.world_id == w, a1.id == p1.account_id))
        .join(a2, and_(a2.world_id == w, a2.id == p2.account_id))
        .where(p1.world_id == w)
        .order_by(p1.code, p1.start_no, p1.id, p2.id).limit(limit)).all()
    out = []
    for id1, ref1, code, lo1, hi1, at1, id2, ref2, lo2, hi2, at2 in rows:
        lo, hi = max(lo1, lo2), min(hi1, hi2)
        out.append({"invariant": "double_holding", "taxpayers": [ref1, ref2],
                    "summary": f"{_range(code, lo, hi)} is held in 网票 by {ref1} and {ref2} now",
                    "summary_zh": f"{_range(code, lo, hi)} 目前在网票中同时由 {ref1} 与 {ref2} 持有",
                    "rows": [{"table": "wp_purchases", "id": id1, "taxpayer": ref1, "range": _range(code, lo1, hi1),
                              "time": fmt(at1)},
                             {"table": "wp_purchases", "id": id2, "taxpayer": ref2, "range": _range(code, lo2, hi2),
                              "time": fmt(at2)}]})
    return out
