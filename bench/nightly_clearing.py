"""Benchmark: the nightly clearing over N enabled taxpayers vs a raw INSERT … SELECT of the same rows.

Two worlds hold the same 金三 data: N enabled taxpayers, each with a main and a secondary industry.
  first night   world A: the nightly run creates every 清分库 row, account, admin and industry;
                world B: raw INSERT … SELECT statements copy the same rows over both hops.
  half changed  half the taxpayers get a new secondary industry; the nightly run on A replaces
                them in both hops; raw DELETE + INSERT … SELECT does the same on B.
Prints the figures, the peak memory, and last ``ratio=<nightly / raw, the worse phase>`` (target ≤ 3).

    python bench/nightly_clearing.py [--taxpayers 100000] [--database-url URL]
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import and_, delete, func, insert, literal, select, text, update  # noqa: E402

START = datetime.fromisoformat("2016-05-03T09:00:00+08:00")
NIGHT = datetime.fromisoformat("2016-05-04T02:00:00+08:00")
CHUNK = 20_000


def open_db(url: str | None):
    from backoffice.db import make_engine, make_session_factory
    from backoffice.migrate import upgrade
    url = url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    return url, engine, make_session_factory(engine)


def populate(session, world, n: int, *, enabled: bool = True) -> None:
    """N taxpayers with two industries each, straight into 金三 (as if the officers had worked a year)."""
    from backoffice.jinsan.models import Industry, Taxpayer, TaxpayerIndustry
    w = world.id
    seq = world.next_seq
    inds = list(session.scalars(select(Industry.id).where(Industry.world_id == w).order_by(Industry.id).limit(3)))
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        session.execute(insert(Taxpayer.__table__), [
            {"world_id": w, "ref": f"b{i}", "kind": "unit", "name": f"纳税人{i}", "tax_id": f"T{i:017d}",
             "registration_no": f"1150{i:016d}", "taxpayer_code": f"1150{i:016d}", "wangpiao_enabled": enabled,
             "enabled_at": START if enabled else None, "enabled_seq": seq + i if enabled else None,
             "industries_seq": seq + n + i} for i in range(lo, hi)])
    first = session.execute(select(func.min(Taxpayer.id)).where(Taxpayer.world_id == w)).scalar()
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        session.execute(insert(TaxpayerIndustry.__table__), [
            {"world_id": w, "taxpayer_id": first + i, "industry_id": inds[slot], "slot": slot}
            for i in range(lo, hi) for slot in (0, 1)])
    world.next_seq = seq + 2 * n
    session.commit()


def change_half(session, world, n: int) -> None:
    """Every second taxpayer gets another secondary industry (one assign_industries each)."""
    from backoffice.jinsan.models import Industry, Taxpayer, TaxpayerIndustry
    from backoffice.sync.tables import T, TI
    w = world.id
    other = session.scalars(select(Industry.id).where(Industry.world_id == w).order_by(Industry.id)
                            .offset(2).limit(1)).one()
    base = world.next_seq
    first = session.execute(select(func.min(Taxpayer.id)).where(Taxpayer.world_id == w)).scalar()
    half = (T.c.world_id == w) & ((T.c.id - first) % 2 == 0)
    session.execute(update(TI).where(TI.c.world_id == w, TI.c.slot == 1,
                                     TI.c.taxpayer_id.in_(select(T.c.id).where(half))).values(industry_id=other))
    session.execute(update(T).where(half).values(industries_seq=base + T.c.id - first))
    world.next_seq = base + n
    session.commit()


def between_hops(session) -> None:
    """PostgreSQL plans the next hop on the statistics of the tables just filled: a fair raw copy
    refreshes them too (the nightly run does the same)."""
    from backoffice.db import is_postgres
    if is_postgres(session):
        session.execute(text("ANALYZE"))


def raw_first_night(session, w: int) -> int:
    """The lower bound: the same rows copied by bare INSERT … SELECT, no checks, one transaction."""
    from backoffice.sync.tables import A, CI, CT, IND, INV, T, TI, WTI
    at = literal(NIGHT)
    n = session.execute(insert(CT).from_select(
        ["world_id", "source_taxpayer_id", "ref", "name", "tax_id", "registration_no", "taxpayer_code",
         "former_ds_wangpiao", "keeps_ds_login", "ds_account", "ds_password_hash", "ca", "ygz", "dual",
         "industries_seq", "cleared_at"],
        select(T.c.world_id, T.c.id, T.c.ref, T.c.name, T.c.tax_id, T.c.registration_no, T.c.taxpayer_code,
               T.c.former_ds_wangpiao, T.c.keeps_ds_login, T.c.ds_account, T.c.ds_password_hash, T.c.ca, T.c.ygz,
               T.c.dual, T.c.industries_seq, at).where(T.c.world_id == w, T.c.wangpiao_enabled.is_(True)))
    ).rowcount
    session.execute(insert(CI).from_select(["world_id", "source_taxpayer_id", "industry_code", "slot", "seq"],
                    select(TI.c.world_id, TI.c.taxpayer_id, IND.c.code, TI.c.slot, T.c.industries_seq)
                    .select_from(TI.join(IND, IND.c.id == TI.c.industry_id).join(T, T.c.id == TI.c.taxpayer_id))
                    .where(TI.c.world_id == w)))
    between_hops(session)
    session.execute(insert(A).from_select(
        ["world_id", "source_taxpayer_id", "ref", "name", "tax_id", "registration_no", "taxpayer_code",
         "former_ds_wangpiao", "keeps_ds_login", "ds_account", "password_state", "ca", "ca_cancelled", "ygz", "dual",
         "red_limit", "industries_seq", "ds_blank_invoices", "created_at", "created_by"],
        select(CT.c.world_id, CT.c.source_taxpayer_id, CT.c.ref, CT.c.name, CT.c.tax_id, CT.c.registration_no,
               CT.c.taxpayer_code, CT.c.former_ds_wangpiao, CT.c.keeps_ds_login, CT.c.ds_account, literal("default"),
               CT.c.ca, literal(False), CT.c.ygz, CT.c.dual, literal(None), CT.c.industries_seq, literal(0), at,
               literal("raw")).where(CT.c.world_id == w)))
    between_hops(session)
    session.execute(insert(INV).from_select(["world_id", "account_id", "name", "is_admin"],
                    select(A.c.world_id, A.c.id, literal("系统管理员"), literal(True)).where(A.c.world_id == w)))
    session.execute(insert(WTI).from_select(["world_id", "account_id", "industry_code", "slot"],
                    select(A.c.world_id, A.c.id, CI.c.industry_code, CI.c.slot)
                    .select_from(CI.join(A, and_(A.c.world_id == w, A.c.source_taxpayer_id == CI.c.source_taxpayer_id)))
                    .where(CI.c.world_id == w)))
    session.commit()
    return n


def raw_changed(session, w: int, since: int) -> None:
    from backoffice.sync.tables import A, CI, CT, IND, T, TI, WTI
    changed = select(T.c.id).where(T.c.world_id == w, T.c.industries_seq > since)
    session.execute(delete(CI).where(CI.c.world_id == w, CI.c.source_taxpayer_id.in_(changed)))
    session.execute(insert(CI).from_select(["world_id", "source_taxpayer_id", "industry_code", "slot", "seq"],
                    select(TI.c.world_id, TI.c.taxpayer_id, IND.c.code, TI.c.slot, T.c.industries_seq)
                    .select_from(TI.join(IND, IND.c.id == TI.c.industry_id).join(T, T.c.id == TI.c.taxpayer_id))
                    .where(TI.c.world_id == w, T.c.industries_seq > since)))
    between_hops(session)
    accounts = select(A.c.id).where(A.c.world_id == w, A.c.source_taxpayer_id.in_(changed))
    session.execute(delete(WTI).where(WTI.c.world_id == w, WTI.c.account_id.in_(accounts)))
    session.execute(insert(WTI).from_select(["world_id", "account_id", "industry_code", "slot"],
                    select(A.c.world_id, A.c.id, CI.c.industry_code, CI.c.slot)
                    .select_from(CI.join(A, and_(A.c.world_id == w, A.c.source_taxpayer_id == CI.c.source_taxpayer_id)))
                    .where(CI.c.world_id == w, CI.c.source_taxpayer_id.in_(changed))))
    session.commit()


def analyze(session) -> None:
    session.execute(text("ANALYZE"))
    session.commit()


def timed(fn, *args, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t0, out


def counts(session, w: int) -> dict:
    from backoffice.sync.tables import A, CI, CT, INV, WTI
    return {t.name: session.execute(select(func.count()).select_from(t).where(t.c.world_id == w)).scalar()
            for t in (CT, CI, A, INV, WTI)}


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--taxpayers", type=int, default=100_000)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args(argv)
    from backoffice.sync import nightly
    from backoffice.worldbuild import create_world
    from jobs.schedules import batch_size

    url, engine, factory = open_db(args.database_url)
    s = factory()
    n = args.taxpayers
    print(f"database: {engine.url.render_as_string(hide_password=True)}  taxpayers: {n}  batch: {batch_size()}")
    wa = create_world(s, {"start": START.isoformat()}, name="bench nightly")
    wb = create_world(s, {"start": START.isoformat()}, name="bench raw")
    s.commit()
    t_pop, _ = timed(lambda: (populate(s, wa, n), populate(s, wb, n)))
    analyze(s)
    print(f"populate (2 worlds): {t_pop:.2f} s")

    t_raw1, _ = timed(raw_first_night, s, wb.id)
    t_sync1, moved1 = timed(nightly.run, s, wa, NIGHT, batch=batch_size(), commit=True)
    ca, cb = counts(s, wa.id), counts(s, wb.id)
    assert ca == cb, (ca, cb)
    print(f"first night:  nightly {t_sync1:.2f} s ({moved1} items), raw INSERT…SELECT {t_raw1:.2f} s; rows {ca}")

    since = wa.cleared_seq
    change_half(s, wa, n)
    change_half(s, wb, n)
    analyze(s)
    t_raw2, _ = timed(raw_changed, s, wb.id, since)
    t_sync2, moved2 = timed(nightly.run, s, wa, NIGHT.replace(day=5), batch=batch_size(), commit=True)
    ca, cb = counts(s, wa.id), counts(s, wb.id)
    assert ca == cb, (ca, cb)
    print(f"half changed: nightly {t_sync2:.2f} s ({moved2} items), raw DELETE+INSERT…SELECT {t_raw2:.2f} s")
    r1, r2 = t_sync1 / t_raw1, t_sync2 / t_raw2
    print(f"ratio first night {r1:.2f}, half changed {r2:.2f}")
    print(f"peak memory: {peak_mib():.0f} MiB (max RSS)")
    ratio = max(r1, r2)
    print(f"ratio={ratio:.2f}")
    s.close()
    engine.dispose()
    return ratio


if __name__ == "__main__":
    main()
