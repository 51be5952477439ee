"""Rows → JSON-ready mappings. Times are ISO 8601 in +08:00 (clock.fmt), amounts strings of yuan,
invoice numbers 8-digit strings, as in scenario files."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import catalogue
from ..audit.models import AuditEntry
from ..clock import fmt, next_events, world_now
from ..errors import OperationError
from ..jinsan.models import Industry, ItemRequest, Officer, Return, Sale, Taxpayer, TaxpayerIndustry, Change
from ..sync.models import JobRun
from ..users.models import User
from ..wangpiao.models import (PcInstall, PcLeftover, PcMachine, WpAccount, WpDsInvoice, WpIndustry,
                               WpInvoice, WpInvoicer, WpPrinter, WpPurchase, WpRedReversal, WpSegment,
                               WpTaxpayerIndustry)
from ..worlds.models import World, WorldMember


def to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return fmt(value) if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def no(n: int | None) -> str | None:
    return None if n is None else f"{n:08d}"


def money(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


# --- worlds and clock --------------------------------------------------------------------------

def clock_view(session: Session, world: World, events: int = 10) -> dict:
    catalogue.load_all()  # the domain modules register the jobs whose next runs are shown
    return {
        "now": fmt(world_now(world)),
        "mode": world.clock_mode,
        "speed": world.live_speed,
        "start": fmt(world.clock_start),
        "next_events": [{"time": fmt(t), "job": name}
                        for t, _prio, name, _payload in next_events(session, world)[:events]],
    }


def owner_names(session: Session, worlds: list[World]) -> dict[int, str]:
    """The owners' usernames of a page of worlds, in one query."""
    ids = {w.owner_id for w in worlds if w.owner_id is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def world_summary(session: Session, world: World, owners: dict[int, str] | None = None) -> dict:
    if owners is None:
        owners = owner_names(session, [world])
    return {"id": world.id, "name": world.name, "owner": owners.get(world.owner_id),
            "now": fmt(world_now(world)), "mode": world.clock_mode, "speed": world.live_speed,
            "start": fmt(world.clock_start), "seed": world.seed, "created": fmt(world.created_wall)}


def world_detail(session: Session, world: World) -> dict:
    out = world_summary(session, world)
    out["members"] = list(session.scalars(
        select(User.username).join(WorldMember, WorldMember.user_id == User.id)
        .where(WorldMember.world_id == world.id).order_by(User.username)))
    out["spec"] = world.spec or {}
    out["clock"] = clock_view(session, world)
    return out


# --- audit and jobs ----------------------------------------------------------------------------

def audit_row(e: AuditEntry) -> dict:
    return {"id": e.id, "seq": e.seq, "sim_time": fmt(e.sim_time), "wall_time": fmt(e.wall_time),
            "actor": e.actor, "actor_kind": e.actor_kind, "user_id": e.user_id, "operation": e.operation,
            "taxpayer": e.taxpayer_ref, "args": e.args, "result": e.result, "error_code": e.error_code,
            "error_field": e.error_field, "ok": e.error_code is None}


def job_row(r: JobRun) -> dict:
    return {"id": r.id, "job": r.job, "scheduled_for": fmt(r.scheduled_for), "items": r.items,
            "status": r.status, "reason": r.reason, "detail": r.detail, "finished_wall": fmt(r.finished_wall)}


# --- one taxpayer as each side sees it ---------------------------------------------------------

def taxpayer_list(session: Session, world: World) -> list[dict]:
    rows = session.execute(select(Taxpayer.ref, Taxpayer.name, Taxpayer.wangpiao_enabled)
                           .where(Taxpayer.world_id == world.id).order_by(Taxpayer.ref))
    return [{"ref": ref, "name": name, "enabled": enabled} for ref, name, enabled in rows]


def _range(code: str, start: int, end: int) -> dict:
    return {"code": code, "start": no(start), "end": no(end)}


def jinsan_view(session: Session, world: World, tp: Taxpayer) -> dict:
    wid = world.id
    specialist = session.get(Officer, (tp.world_id, tp.specialist_id)) if tp.specialist_id else None
    industries = session.execute(
        select(TaxpayerIndustry.slot, Industry.code, Industry.name)
        .join(Industry, Industry.id == TaxpayerIndustry.industry_id)
        .where(TaxpayerIndustry.world_id == wid, TaxpayerIndustry.taxpayer_id == tp.id)
        .order_by(TaxpayerIndustry.slot)).all()
    main = next(({"code": c, "name": n} for s, c, n in industries if s == 0), None)
    sales = session.scalars(select(Sale).where(Sale.world_id == wid, Sale.taxpayer_id == tp.id,
                                               Sale.status == "active").order_by(Sale.code, Sale.start_no))
    returns = session.scalars(select(Return).where(Return.world_id == wid, Return.taxpayer_id == tp.id)
                              .order_by(Return.returned_at, Return.id))
    pending = session.scalars(select(Change).where(Change.world_id == wid, Change.taxpayer_id == tp.id,
                                                   Change.delivered_at.is_(None)).order_by(Change.seq))
    requests = session.scalars(select(ItemRequest).where(ItemRequest.world_id == wid,
                                                         ItemRequest.taxpayer_id == tp.id).order_by(ItemRequest.id))
    return {
        "taxpayer": {
            "ref": tp.ref, "kind": tp.kind, "name": tp.name, "tax_id": tp.tax_id,
            "registration_no": tp.registration_no, "taxpayer_code": tp.taxpayer_code,
            "specialist": specialist.login if specialist else None,
            "former_ds_wangpiao": tp.former_ds_wangpiao, "keeps_ds_login": tp.keeps_ds_login,
            "ds_account": tp.ds_account, "ca": tp.ca, "ygz": tp.ygz, "dual": tp.dual,
            "enabled": tp.wangpiao_enabled, "enabled_at": fmt(tp.enabled_at),
            "ca_cancel_requested_at": fmt(tp.ca_cancel_requested_at), "ca_cancelled_at": fmt(tp.ca_cancelled_at),
        },
        "red_limit": money(tp.red_limit),
        "industries": {"main": main,
                       "secondary": [{"code": c, "name": n} for s, c, n in industries if s > 0]},
        "sales": [dict(_range(s.code, s.start_no, s.end_no), sold_at=fmt(s.sold_at), seq=s.seq,
                       enabled_at_sale=s.enabled_at_sale) for s in sales],
        "returns": [dict(_range(r.code, r.start_no, r.end_no), returned_at=fmt(r.returned_at)) for r in returns],
        "pending_changes": [{"kind": c.kind, "seq": c.seq, "created_at": fmt(c.created_at),
                             "ready_at": fmt(c.ready_at), "auto": c.auto, "amount": money(c.amount)}
                            for c in pending],
        "item_requests": [{"item": r.item, "status": r.status, "requested_at": fmt(r.requested_at),
                           "reason": r.reason} for r in requests],
    }


def wangpiao_view(session: Session, world: World, ref: str) -> dict:
    wid = world.id
    acc = session.execute(select(WpAccount).where(WpAccount.world_id == wid, WpAccount.ref == ref)).scalar_one_or_none()
    if acc is None:
        return {"account": None, "purchases": [], "industries": {"main": None, "secondary": []},
                "red_limit": None, "invoicers": [], "invoices": [], "ds_invoices": [], "printer": []}
    names = dict(session.execute(select(WpIndustry.code, WpIndustry.name).where(WpIndustry.world_id == wid)).all())
    slots = session.execute(select(WpTaxpayerIndustry.slot, WpTaxpayerIndustry.industry_code)
                            .where(WpTaxpayerIndustry.world_id == wid, WpTaxpayerIndustry.account_id == acc.id)
                            .order_by(WpTaxpayerIndustry.slot)).all()
    main = next(({"code": c, "name": names.get(c)} for s, c in slots if s == 0), None)
    purchases = session.scalars(select(WpPurchase).where(WpPurchase.world_id == wid, WpPurchase.account_id == acc.id)
                                .order_by(WpPurchase.code, WpPurchase.start_no))
    invoicers = list(session.scalars(select(WpInvoicer).where(WpInvoicer.world_id == wid,
                                                              WpInvoicer.account_id == acc.id)
                                     .order_by(WpInvoicer.is_admin.desc(), WpInvoicer.id)))
    segments: dict[int, list] = {}
    for seg in session.scalars(select(WpSegment).where(WpSegment.world_id == wid, WpSegment.account_id == acc.id)
                               .order_by(WpSegment.code, WpSegment.start_no)):
        segments.setdefault(seg.invoicer_id, []).append(_range(seg.code, seg.start_no, seg.end_no))
    by_id = {i.id: i.name for i in invoicers}
    reds: dict[int, list] = {}
    for r in session.scalars(select(WpRedReversal).where(WpRedReversal.world_id == wid,
                                                         WpRedReversal.account_id == acc.id).order_by(WpRedReversal.id)):
        reds.setdefault(r.invoice_id, []).append({"amount": money(r.amount), "at": fmt(r.reversed_at),
                                                  "invoicer": by_id.get(r.invoicer_id)})
    invoices = session.scalars(select(WpInvoice).where(WpInvoice.world_id == wid, WpInvoice.account_id == acc.id)
                               .order_by(WpInvoice.issued_at, WpInvoice.id))
    ds = session.scalars(select(WpDsInvoice).where(WpDsInvoice.world_id == wid, WpDsInvoice.account_id == acc.id)
                         .order_by(WpDsInvoice.code, WpDsInvoice.number))
    printer = session.scalars(select(WpPrinter).where(WpPrinter.world_id == wid, WpPrinter.account_id == acc.id)
                              .order_by(WpPrinter.type_code))
    return {
        "account": {
            "ref": acc.ref, "name": acc.name, "tax_id": acc.tax_id, "registration_no": acc.registration_no,
            "taxpayer_code": acc.taxpayer_code, "former_ds_wangpiao": acc.former_ds_wangpiao,
            "keeps_ds_login": acc.keeps_ds_login, "ds_account": acc.ds_account,
            "password_state": acc.password_state, "ca": acc.ca, "ca_cancelled": acc.ca_cancelled,
            "ygz": acc.ygz, "dual": acc.dual, "ds_blank_invoices": acc.ds_blank_invoices,
            "created_at": fmt(acc.created_at), "created_by": acc.created_by,
        },
        "red_limit": money(acc.red_limit),
        "industries": {"main": main,
                       "secondary": [{"code": c, "name": names.get(c)} for s, c in slots if s > 0]},
        "purchases": [dict(_range(p.code, p.start_no, p.end_no), delivered_at=fmt(p.delivered_at),
                           channel=p.channel) for p in purchases],
        "invoicers": [{"name": i.name, "is_admin": i.is_admin, "red_amount": money(i.red_amount),
                       "cache_amount": money(i.cache_amount), "segments": segments.get(i.id, [])}
                      for i in invoicers],
        "invoices": [{"code": v.code, "number": no(v.number), "item": v.item, "amount": money(v.amount),
                      "issued_at": fmt(v.issued_at), "status": v.status, "voided_at": fmt(v.voided_at),
                      "red_total": money(v.red_total), "invoicer": by_id.get(v.invoicer_id),
                      "red_reversals": reds.get(v.id, [])} for v in invoices],
        "ds_invoices": [{"code": d.code, "number": d.number, "amount": money(d.amount),
                         "issued_at": fmt(d.issued_at), "status": d.status, "red_total": money(d.red_total)}
                        for d in ds],
        "printer": [{"invoice_type": p.type_code, "right": p.right_mm, "down": p.down_mm} for p in printer],
    }


def pc_view(session: Session, world: World, ref: str) -> dict | None:
    wid = world.id
    machine = session.execute(select(PcMachine).where(PcMachine.world_id == wid,
                                                      PcMachine.taxpayer_ref == ref)).scalar_one_or_none()
    if machine is None:
        return None
    installs = session.scalars(select(PcInstall).where(PcInstall.world_id == wid, PcInstall.machine_id == machine.id)
                               .order_by(PcInstall.id))
    leftovers = session.scalars(select(PcLeftover.edition).where(PcLeftover.world_id == wid,
                                                                 PcLeftover.machine_id == machine.id)
                                .order_by(PcLeftover.edition))
    return {"installs": [{"edition": i.edition, "version": i.version, "folder": i.folder, "broken": i.broken,
                          "installed_at": fmt(i.installed_at)} for i in installs],
            "leftovers": list(leftovers), "ds_ca_cache": machine.ds_ca_cache,
            "ca_cache_stuck": machine.ca_cache_stuck}


def taxpayer_detail(session: Session, world: World, ref: str) -> dict:
    tp = session.execute(select(Taxpayer).where(Taxpayer.world_id == world.id, Taxpayer.ref == ref)).scalar_one_or_none()
    if tp is None:
        raise OperationError("NOT_FOUND", field="taxpayer", reason=f"no taxpayer {ref!r} in this world",
                             reason_zh=f"本世界没有纳税人 {ref}")
    return {"ref": ref, "now": fmt(world.clock_now), "jinsan": jinsan_view(session, world, tp),
            "wangpiao": wangpiao_view(session, world, ref), "pc": pc_view(session, world, ref)}
