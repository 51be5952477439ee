"""Building the template world from seed_data/ and applying a docs/scenarios.md ``world:`` block.

The taxpayer shortcuts (enabled, industries, red_limit, purchases, ds_invoices) write straight into
金三, the 清分库 and 网票 as if every sync had already delivered them.
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..clearing.models import ClIndustry, ClTaxpayer
from ..clock import wall_now
from ..errors import OperationError
from ..jinsan.models import Industry, Item, Office, Officer, Stock, Taxpayer, TaxpayerIndustry, Sale
from ..jinsan.queries import default_office, range_available
from ..security import hash_password
from ..seed import clients, load_base
from ..wangpiao.models import (PcInstall, PcMachine, WpAccount, WpDsInvoice, WpIndustry, WpInvoicer, WpItem,
                               WpPurchase, WpTaxpayerIndustry)
from .models import InvoiceType, World
from .spec import WorldSpec, parse_world_spec

ADMIN_NAME = "系统管理员"


def normalize_spec(spec: dict | None) -> WorldSpec:
    data = dict(spec or {})
    if "start" not in data:
        data["start"] = "2016-05-03T09:00:00+08:00"
    return parse_world_spec(data)


def build_template(session: Session, base: str = "default") -> World:
    data = load_base(base=base)
    from datetime import datetime, timezone
    epoch = datetime(2016, 5, 1, tzinfo=timezone.utc)
    tpl = World(name=f"template:{base}", key=f"template:{base}", is_template=True, clock_now=epoch, clock_start=epoch, seed=0,
                next_seq=1, cleared_seq=0, spec={}, created_wall=wall_now())
    session.add(tpl)
    session.flush()
    w = tpl.id
    offices = {}
    for o in data.offices:
        offices[o.code] = Office(world_id=w, code=o.code, name=o.name)
        session.add(offices[o.code])
    session.flush()
    first = offices[data.offices[0].code]
    for o in data.officers:
        session.add(Officer(world_id=w, login=o.login, name=o.name, role=o.role,
                            office_id=(offices[o.office] if o.office else first).id))
    for t in data.invoice_types:
        session.add(InvoiceType(world_id=w, type_code=t.type_code, code=t.code, name=t.name, wangpiao=t.wangpiao,
                                paper_width_mm=t.paper_width_mm, paper_height_mm=t.paper_height_mm))
    for s in data.stock:
        session.add(Stock(world_id=w, office_id=(offices[s.office] if s.office else first).id, code=s.code,
                          start_no=int(s.start), end_no=int(s.end)))
    _add_industries(session, w, data.industries)
    session.flush()
    return tpl


def _add_industries(session: Session, world_id: int, industries) -> None:
    for ind in industries:
        row = Industry(world_id=world_id, code=ind.code, name=ind.name)
        session.add(row)
        session.add(WpIndustry(world_id=world_id, code=ind.code, name=ind.name))
        session.flush()
        for name in ind.items:
            item = Item(world_id=world_id, industry_id=row.id, name=name, seq=0)
            session.add(item)
            session.flush()
            session.add(WpItem(world_id=world_id, industry_code=ind.code, name=name, source_item_id=item.id))


def _bad(field: str, reason: str) -> OperationError:
    return OperationError("INVALID_INPUT", field=field, reason=reason)


def industry_by_code_or_name(session: Session, world_id: int, key: str) -> Industry | None:
    return session.execute(select(Industry).where(Industry.world_id == world_id,
                                                  (Industry.code == key) | (Industry.name == key))).scalars().first()


def apply_spec(session: Session, world: World, spec: WorldSpec) -> None:
    from .service import next_seq

    w = world.id
    now = spec.start
    office = default_office(session, w)
    for i, o in enumerate(spec.officers):
        if session.execute(select(Officer.id).where(Officer.world_id == w, Officer.login == o.login)).first():
            raise _bad(f"world.officers.{i}.login", f"officer {o.login!r} is already in the base data")
        off = office
        if o.office:
            off = session.execute(select(Office).where(Office.world_id == w, Office.code == o.office)).scalar_one_or_none()
            if off is None:
                raise _bad(f"world.officers.{i}.office", f"no office {o.office!r}")
        session.add(Officer(world_id=w, login=o.login, name=o.name, role=o.role, office_id=off.id))
    if spec.stock is not None:
        session.execute(delete(Stock).where(Stock.world_id == w))
        for i, s in enumerate(spec.stock):
            off = office
            if s.office:
                off = session.execute(select(Office).where(Office.world_id == w, Office.code == s.office)).scalar_one_or_none()
                if off is None:
                    raise _bad(f"world.stock.{i}.office", f"no office {s.office!r}")
            session.add(Stock(world_id=w, office_id=off.id, code=s.code, start_no=int(s.start), end_no=int(s.end)))
    for i, ind in enumerate(spec.industries):
        if session.execute(select(Industry.id).where(Industry.world_id == w, Industry.code == ind.code)).first():
            raise _bad(f"world.industries.{i}.code", f"industry {ind.code!r} is already in the base data")
    _add_industries(session, w, spec.industries)
    session.flush()
    editions = clients()
    for i, t in enumerate(spec.taxpayers):
        _add_taxpayer(session, world, t, f"world.taxpayers.{i}", now, editions)
    session.flush()


def _add_taxpayer(session: Session, world: World, t, where: str, now, editions) -> None:
    from .service import next_seq

    w = world.id
    if session.execute(select(Taxpayer.id).where(Taxpayer.world_id == w, Taxpayer.ref == t.ref)).first():
        raise _bad(f"{where}.ref", f"taxpayer {t.ref!r} is already in the world")
    for col, val in (("registration_no", t.registration_no), ("tax_id", t.tax_id)):
        if session.execute(select(Taxpayer.id).where(Taxpayer.world_id == w, getattr(Taxpayer, col) == val)).first():
            raise _bad(f"{where}.{col}", f"another taxpayer already has {val}")
    specialist = None
    if t.specialist:
        specialist = session.execute(select(Officer).where(Officer.world_id == w, Officer.login == t.specialist)).scalar_one_or_none()
        if specialist is None:
            raise _bad(f"{where}.specialist", f"no officer {t.specialist!r} in the world")
    ds_hash = hash_password(t.ds_password, simulated=True) if t.ds_password else None
    code = t.taxpayer_code or (t.ds_account if t.former_ds_wangpiao and t.ds_account else t.registration_no)
    seq = next_seq(world)
    tp = Taxpayer(world_id=w, ref=t.ref, kind=t.kind, name=t.name, tax_id=t.tax_id, registration_no=t.registration_no,
                  taxpayer_code=code, specialist_id=specialist.id if specialist else None,
                  former_ds_wangpiao=t.former_ds_wangpiao, keeps_ds_login=t.keeps_ds_login,
                  ds_account=t.ds_account, ds_password_hash=ds_hash, ca=t.ca, ygz=t.ygz,
                  wangpiao_enabled=t.enabled, enabled_at=now if t.enabled else None,
                  enabled_seq=seq if t.enabled else None,
                  red_limit=Decimal(t.red_limit) if t.red_limit is not None else None, industries_seq=0)
    session.add(tp)
    session.flush()
    # the PC: the latest client of its edition in its default folder
    machine = PcMachine(world_id=w, taxpayer_ref=t.ref, ds_ca_cache=(t.client == "dishui" and t.ca == "pc"),
                        ca_cache_stuck=False)
    session.add(machine)
    session.flush()
    ed = editions[t.client]
    session.add(PcInstall(world_id=w, machine_id=machine.id, edition=t.client, version=ed.versions[0],
                          folder=ed.folder, broken=False, installed_at=now))
    account = None
    if t.enabled:
        account = WpAccount(world_id=w, source_taxpayer_id=tp.id, ref=t.ref, name=t.name, tax_id=t.tax_id,
                            registration_no=t.registration_no, taxpayer_code=code,
                            former_ds_wangpiao=t.former_ds_wangpiao, keeps_ds_login=t.keeps_ds_login,
                            ds_account=t.ds_account,
                            password_state="ds" if (t.former_ds_wangpiao and t.keeps_ds_login) else "default",
                            password_hash=ds_hash if (t.former_ds_wangpiao and t.keeps_ds_login) else None,
                            ca=t.ca, ygz=t.ygz, dual=False, red_limit=tp.red_limit,
                            ds_blank_invoices=t.ds_blank_invoices, created_at=now, created_by="setup")
        session.add(account)
        session.flush()
        session.add(WpInvoicer(world_id=w, account_id=account.id, name=ADMIN_NAME, is_admin=True))
        session.add(ClTaxpayer(world_id=w, source_taxpayer_id=tp.id, ref=t.ref, name=t.name, tax_id=t.tax_id,
                               registration_no=t.registration_no, taxpayer_code=code,
                               former_ds_wangpiao=t.former_ds_wangpiao, keeps_ds_login=t.keeps_ds_login,
                               ds_account=t.ds_account, ds_password_hash=ds_hash, ca=t.ca, ygz=t.ygz,
                               dual=False, industries_seq=0, cleared_at=now))
    elif t.purchases or t.ds_invoices or t.ds_blank_invoices:
        raise _bad(f"{where}.enabled", "purchases and 地税 invoices are delivered to 网票: the taxpayer must be enabled")
    if t.industries is not None:
        keys = [t.industries.main] + list(t.industries.secondary)
        if len(t.industries.secondary) > 3:
            raise OperationError("TOO_MANY_SECONDARY_INDUSTRIES", field=f"{where}.industries.secondary")
        seen = set()
        for slot, key in enumerate(keys):
            ind = industry_by_code_or_name(session, w, key)
            fld = f"{where}.industries." + ("main" if slot == 0 else f"secondary.{slot - 1}")
            if ind is None:
                raise _bad(fld, f"no industry {key!r} in the world")
            if ind.id in seen:
                raise _bad(fld, f"industry {key!r} is given twice")
            seen.add(ind.id)
            session.add(TaxpayerIndustry(world_id=w, taxpayer_id=tp.id, industry_id=ind.id, slot=slot))
            if account is not None:
                session.add(WpTaxpayerIndustry(world_id=w, account_id=account.id, industry_code=ind.code, slot=slot))
                session.add(ClIndustry(world_id=w, source_taxpayer_id=tp.id, industry_code=ind.code, slot=slot, seq=seq))
        tp.industries_seq = seq
        if account is not None:
            account.industries_seq = seq
            session.flush()
            cl = session.execute(select(ClTaxpayer).where(ClTaxpayer.world_id == w, ClTaxpayer.source_taxpayer_id == tp.id)).scalar_one()
            cl.industries_seq = seq
    office_id = specialist.office_id if specialist else None
    for j, p in enumerate(t.purchases):
        start, end = int(p.start), int(p.end)
        if not range_available(session, w, office_id, p.code, start, end):
            raise OperationError("RANGE_UNAVAILABLE", field=f"{where}.purchases.{j}",
                                 reason=f"{p.code} {p.start}–{p.end} is not in the office's stock or is already sold")
        sale = Sale(world_id=w, taxpayer_id=tp.id, officer_id=specialist.id if specialist else None, code=p.code,
                    start_no=start, end_no=end, sold_at=now, seq=next_seq(world), enabled_at_sale=True, status="active")
        session.add(sale)
        session.flush()
        wangpiao_code = session.execute(select(InvoiceType.wangpiao).where(InvoiceType.world_id == w,
                                                                           InvoiceType.code == p.code)).scalar()
        if wangpiao_code:
            session.add(WpPurchase(world_id=w, account_id=account.id, source_sale_id=sale.id, code=p.code,
                                   start_no=start, end_no=end, delivered_at=now, channel="setup"))
    for j, d in enumerate(t.ds_invoices):
        session.add(WpDsInvoice(world_id=w, account_id=account.id, code=d.code, number=d.number,
                                amount=Decimal(d.amount), issued_at=d.issued_at, status="issued", red_total=Decimal(0)))
    session.flush()
