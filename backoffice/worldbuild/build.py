"""Applying a ``world:`` block to a fresh copy of the template world.

The block is checked whole first (every reference, every duplicate, every purchase against the
office's stock) so that a bad block is refused before a row is written, naming the first field at
fault. The rows are then written set-based, a batch of taxpayers at a time: the taxpayer shortcuts
(enabled, industries, red_limit, purchases, ds_invoices) go straight into 金三, the 清分库 and 网票
as if every sync had already delivered them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..clearing.models import ClIndustry, ClTaxpayer
from ..errors import OperationError
from ..jinsan.models import Industry, Office, Officer, Sale, Stock, Taxpayer, TaxpayerIndustry
from ..security import hash_password
from ..seed import clients
from ..wangpiao.models import (PcInstall, PcMachine, WpAccount, WpDsInvoice, WpInvoicer, WpPurchase,
                               WpTaxpayerIndustry)
from ..worlds.models import InvoiceType, World
from ..worlds.service import next_seq
from ..worlds.spec import WorldSpec, parse_world_spec
from .rows import add_industries, bulk_insert

ADMIN_NAME = "系统管理员"
TAXPAYER_BATCH = 1000   # taxpayers written per transaction when the caller lets the build commit


def normalize_spec(spec: dict | None) -> WorldSpec:
    data = dict(spec or {})
    if "start" not in data:
        data["start"] = "2016-05-03T09:00:00+08:00"
    return parse_world_spec(data)


def _bad(field_: str, reason: str, reason_zh: str | None = None) -> OperationError:
    return OperationError("INVALID_INPUT", field=field_, reason=reason, reason_zh=reason_zh)


@dataclass
class _Catalogue:
    """What a block refers to in the world it is applied to."""

    offices: dict[str, int]                         # office code → id
    default_office: int | None
    officers: dict[str, tuple[int, int | None]]     # login → (id, office id)
    industries: dict[str, tuple[int, str]] = field(default_factory=dict)   # code or name → (id, code)
    wangpiao_codes: set[str] = field(default_factory=set)
    stock: list[tuple[int, str, int, int]] = field(default_factory=list)   # (office, code, start, end)

    def industry(self, key: str) -> tuple[int, str] | None:
        return self.industries.get(("code", key)) or self.industries.get(("name", key))


def _catalogue(session: Session, w: int) -> _Catalogue:
    offices = session.execute(select(Office.code, Office.id).where(Office.world_id == w).order_by(Office.id)).all()
    cat = _Catalogue(offices=dict(offices), default_office=offices[0][1] if offices else None,
                     officers={login: (oid, office) for login, oid, office in session.execute(
                         select(Officer.login, Officer.id, Officer.office_id).where(Officer.world_id == w))},
                     industries=_industries(session, w))
    cat.wangpiao_codes = set(session.scalars(select(InvoiceType.code).where(InvoiceType.world_id == w,
                                                                           InvoiceType.wangpiao.is_(True))))
    return cat


def _industries(session: Session, w: int) -> dict:
    out: dict = {}
    for oid, code, name in session.execute(select(Industry.id, Industry.code, Industry.name)
                                           .where(Industry.world_id == w).order_by(Industry.id)):
        out.setdefault(("code", code), (oid, code))
        out.setdefault(("name", name), (oid, code))
    return out


def _load_stock(session: Session, w: int) -> list[tuple[int, str, int, int]]:
    return [tuple(r) for r in session.execute(select(Stock.office_id, Stock.code, Stock.start_no, Stock.end_no)
                                               .where(Stock.world_id == w).order_by(Stock.id))]


def apply_spec(session: Session, world: World, spec: WorldSpec, *,
               commit_batch: Callable[[], None] | None = None) -> None:
    """Write ``spec`` into ``world`` (a fresh copy of its template). With ``commit_batch`` the
    taxpayers are written a batch at a time and ``commit_batch()`` is called after each batch."""
    w, now = world.id, spec.start
    cat = _catalogue(session, w)
    _check_officers(spec, cat)
    if spec.stock is not None:
        _check_stock(spec, cat)
    _check_industries(spec, cat)
    # what the block adds is known before it is written, so every later check sees it
    if spec.officers:
        rows = bulk_insert(session, Officer, w, [
            {"login": o.login, "name": o.name, "role": o.role,
             "office_id": cat.offices[o.office] if o.office else cat.default_office} for o in spec.officers])
        cat.officers.update({r["login"]: (r["id"], r["office_id"]) for r in rows})
    if spec.stock is not None:
        session.execute(delete(Stock).where(Stock.world_id == w))
        bulk_insert(session, Stock, w, [
            {"office_id": cat.offices[s.office] if s.office else cat.default_office, "code": s.code,
             "start_no": int(s.start), "end_no": int(s.end)} for s in spec.stock])
    if spec.industries:
        add_industries(session, w, spec.industries)
        cat.industries = _industries(session, w)
    cat.stock = _load_stock(session, w)
    plans = _plan_taxpayers(spec, cat)
    for plan in plans:   # the change sequence as if each taxpayer, then its purchases, were made in turn
        plan.seq = next_seq(world)
        plan.sale_seqs = [next_seq(world) for _ in plan.t.purchases]
    editions = clients()
    for i in range(0, len(plans), TAXPAYER_BATCH):
        _write_taxpayers(session, world, plans[i:i + TAXPAYER_BATCH], now, editions)
        if commit_batch is not None:
            commit_batch()
    session.flush()


def _check_officers(spec: WorldSpec, cat: _Catalogue) -> None:
    seen = set()
    for i, o in enumerate(spec.officers):
        if o.login in cat.officers:
            raise _bad(f"world.officers.{i}.login", f"officer {o.login!r} is already in the base data",
                       f"税务人员 {o.login} 已在基础数据中")
        if o.login in seen:
            raise _bad(f"world.officers.{i}.login", f"officer {o.login!r} is given twice", f"税务人员 {o.login} 重复")
        seen.add(o.login)
        if o.office and o.office not in cat.offices:
            raise _bad(f"world.officers.{i}.office", f"no office {o.office!r}", f"没有税务机关 {o.office}")


def _check_stock(spec: WorldSpec, cat: _Catalogue) -> None:
    for i, s in enumerate(spec.stock):
        if s.office and s.office not in cat.offices:
            raise _bad(f"world.stock.{i}.office", f"no office {s.office!r}", f"没有税务机关 {s.office}")


def _check_industries(spec: WorldSpec, cat: _Catalogue) -> None:
    seen = set()
    for i, ind in enumerate(spec.industries):
        if ("code", ind.code) in cat.industries:
            raise _bad(f"world.industries.{i}.code", f"industry {ind.code!r} is already in the base data",
                       f"行业 {ind.code} 已在基础数据中")
        if ind.code in seen:
            raise _bad(f"world.industries.{i}.code", f"industry {ind.code!r} is given twice", f"行业 {ind.code} 重复")
        seen.add(ind.code)


@dataclass
class _Plan:
    """One taxpayer of the block, checked, with everything it refers to resolved."""

    t: object
    code: str
    specialist: tuple[int, int | None] | None
    industries: list[tuple[int, str]]
    ds_hash: str | None = None
    seq: int = 0
    sale_seqs: list[int] = field(default_factory=list)


def _plan_taxpayers(spec: WorldSpec, cat: _Catalogue) -> list[_Plan]:
    refs, regs, tax_ids = set(), set(), set()
    sold: dict[str, list[tuple[int, int]]] = {}
    plans = []
    for i, t in enumerate(spec.taxpayers):
        where = f"world.taxpayers.{i}"
        if t.ref in refs:
            raise _bad(f"{where}.ref", f"taxpayer {t.ref!r} is already in the world", f"纳税人 {t.ref} 已在本世界")
        for col, val, seen in (("registration_no", t.registration_no, regs), ("tax_id", t.tax_id, tax_ids)):
            if val in seen:
                raise _bad(f"{where}.{col}", f"another taxpayer already has {val}", f"另一纳税人已使用 {val}")
        refs.add(t.ref), regs.add(t.registration_no), tax_ids.add(t.tax_id)
        specialist = None
        if t.specialist:
            specialist = cat.officers.get(t.specialist)
            if specialist is None:
                raise _bad(f"{where}.specialist", f"no officer {t.specialist!r} in the world",
                           f"本世界没有税务人员 {t.specialist}")
        if not t.enabled and (t.purchases or t.ds_invoices or t.ds_blank_invoices):
            raise _bad(f"{where}.enabled", "purchases and 地税 invoices are delivered to 网票: the taxpayer must be enabled",
                       "领购信息和地税发票须送达网票：该纳税人须已开通网票")
        industries = []
        if t.industries is not None:
            if len(t.industries.secondary) > 3:
                raise OperationError("TOO_MANY_SECONDARY_INDUSTRIES", field=f"{where}.industries.secondary")
            for slot, key in enumerate([t.industries.main] + list(t.industries.secondary)):
                fld = f"{where}.industries." + ("main" if slot == 0 else f"secondary.{slot - 1}")
                ind = cat.industry(key)
                if ind is None:
                    raise _bad(fld, f"no industry {key!r} in the world", f"本世界没有行业 {key}")
                if ind in industries:
                    raise _bad(fld, f"industry {key!r} is given twice", f"行业 {key} 重复")
                industries.append(ind)
        office = specialist[1] if specialist else None
        for j, p in enumerate(t.purchases):
            start, end = int(p.start), int(p.end)
            in_stock = any(o == office or office is None for o, c, lo, hi in cat.stock
                           if c == p.code and lo <= start and end <= hi)
            taken = any(lo <= end and start <= hi for lo, hi in sold.get(p.code, ()))
            if not in_stock or taken:
                raise OperationError("RANGE_UNAVAILABLE", field=f"{where}.purchases.{j}",
                                     reason=f"{p.code} {p.start}–{p.end} is not in the office's stock or is already sold",
                                     reason_zh=f"{p.code} {p.start}–{p.end} 不在该税务机关库存中或已发售")
            sold.setdefault(p.code, []).append((start, end))
        code = t.taxpayer_code or (t.ds_account if t.former_ds_wangpiao and t.ds_account else t.registration_no)
        plans.append(_Plan(t, code, specialist, industries))
    return plans


def _write_taxpayers(session: Session, world: World, plans: list[_Plan], now, editions) -> None:
    """The rows of a batch of taxpayers, table by table."""
    w = world.id
    tp_rows, machines, accounts, cleared = [], [], [], []
    for plan in plans:
        t = plan.t
        plan.ds_hash = hash_password(t.ds_password, simulated=True) if t.ds_password else None
        seq = plan.seq
        tp_rows.append({
            "ref": t.ref, "kind": t.kind, "name": t.name, "tax_id": t.tax_id, "registration_no": t.registration_no,
            "taxpayer_code": plan.code, "specialist_id": plan.specialist[0] if plan.specialist else None,
            "former_ds_wangpiao": t.former_ds_wangpiao, "keeps_ds_login": t.keeps_ds_login,
            "ds_account": t.ds_account, "ds_password_hash": plan.ds_hash, "ca": t.ca, "ygz": t.ygz, "dual": False,
            "wangpiao_enabled": t.enabled, "enabled_at": now if t.enabled else None,
            "enabled_seq": seq if t.enabled else None,
            "red_limit": Decimal(t.red_limit) if t.red_limit is not None else None,
            "industries_seq": seq if plan.industries else 0,
            "ca_cancel_requested_at": None, "ca_cancelled_at": None})
        machines.append({"taxpayer_ref": t.ref, "ds_ca_cache": t.client == "dishui" and t.ca == "pc",
                         "ca_cache_stuck": False})
    tps = bulk_insert(session, Taxpayer, w, tp_rows)
    machines = bulk_insert(session, PcMachine, w, machines)
    bulk_insert(session, PcInstall, w, [
        {"machine_id": m["id"], "edition": p.t.client, "version": editions[p.t.client].versions[0],
         "folder": editions[p.t.client].folder, "broken": False, "installed_at": now}
        for m, p in zip(machines, plans)])
    enabled = [(tp, p) for tp, p in zip(tps, plans) if p.t.enabled]
    for tp, p in enabled:
        t, keeps = p.t, p.t.former_ds_wangpiao and p.t.keeps_ds_login
        accounts.append({
            "source_taxpayer_id": tp["id"], "ref": t.ref, "name": t.name, "tax_id": t.tax_id,
            "registration_no": t.registration_no, "taxpayer_code": p.code, "former_ds_wangpiao": t.former_ds_wangpiao,
            "keeps_ds_login": t.keeps_ds_login, "ds_account": t.ds_account,
            "password_state": "ds" if keeps else "default", "password_hash": p.ds_hash if keeps else None,
            "ca": t.ca, "ca_cancelled": False, "ygz": t.ygz, "dual": False, "red_limit": tp["red_limit"],
            "industries_seq": p.seq if p.industries else None, "ds_blank_invoices": t.ds_blank_invoices,
            "created_at": now, "created_by": "setup"})
        cleared.append({
            "source_taxpayer_id": tp["id"], "ref": t.ref, "name": t.name, "tax_id": t.tax_id,
            "registration_no": t.registration_no, "taxpayer_code": p.code, "former_ds_wangpiao": t.former_ds_wangpiao,
            "keeps_ds_login": t.keeps_ds_login, "ds_account": t.ds_account, "ds_password_hash": p.ds_hash,
            "ca": t.ca, "ygz": t.ygz, "dual": False, "industries_seq": p.seq if p.industries else 0,
            "cleared_at": now})
    accounts = bulk_insert(session, WpAccount, w, accounts)
    bulk_insert(session, WpInvoicer, w, [{"account_id": a["id"], "name": ADMIN_NAME, "is_admin": True,
                                          "password_hash": None, "red_amount": None, "cache_amount": None}
                                         for a in accounts])
    bulk_insert(session, ClTaxpayer, w, cleared)
    account_of = {a["source_taxpayer_id"]: a["id"] for a in accounts}
    industries, wp_industries, cl_industries, sales = [], [], [], []
    for tp, p in zip(tps, plans):
        acc = account_of.get(tp["id"])
        for slot, (ind_id, ind_code) in enumerate(p.industries):
            industries.append({"taxpayer_id": tp["id"], "industry_id": ind_id, "slot": slot})
            if acc is not None:
                wp_industries.append({"account_id": acc, "industry_code": ind_code, "slot": slot})
                cl_industries.append({"source_taxpayer_id": tp["id"], "industry_code": ind_code, "slot": slot,
                                      "seq": p.seq})
        for pur, sale_seq in zip(p.t.purchases, p.sale_seqs):
            sales.append({"taxpayer_id": tp["id"], "officer_id": p.specialist[0] if p.specialist else None,
                          "code": pur.code, "start_no": int(pur.start), "end_no": int(pur.end), "sold_at": now,
                          "seq": sale_seq, "enabled_at_sale": True, "status": "active", "parent_id": None,
                          "closed_at": None})
    bulk_insert(session, TaxpayerIndustry, w, industries)
    bulk_insert(session, WpTaxpayerIndustry, w, wp_industries)
    bulk_insert(session, ClIndustry, w, cl_industries)
    sales = bulk_insert(session, Sale, w, sales)
    wangpiao = _wangpiao_codes(session, w)
    by_taxpayer = {tp["id"]: account_of.get(tp["id"]) for tp in tps}
    bulk_insert(session, WpPurchase, w, [
        {"account_id": by_taxpayer[s["taxpayer_id"]], "source_sale_id": s["id"], "code": s["code"],
         "start_no": s["start_no"], "end_no": s["end_no"], "delivered_at": now, "channel": "setup"}
        for s in sales if s["code"] in wangpiao])
    bulk_insert(session, WpDsInvoice, w, [
        {"account_id": account_of[tp["id"]], "code": d.code, "number": d.number, "amount": Decimal(d.amount),
         "issued_at": d.issued_at, "status": "issued", "red_total": Decimal(0)}
        for tp, p in zip(tps, plans) for d in p.t.ds_invoices])


def _wangpiao_codes(session: Session, w: int) -> set[str]:
    return set(session.scalars(select(InvoiceType.code).where(InvoiceType.world_id == w,
                                                              InvoiceType.wangpiao.is_(True))))
