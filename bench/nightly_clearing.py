"""Benchmark: the nightly clearing over N enabled taxpayers vs a fair raw INSERT … SELECT of the same rows.

Each repetition makes two worlds holding the same 金三 data (N enabled taxpayers, each with a main and a
secondary industry, flags, a red limit, some former 地税 users keeping their password):
  first night   world A: the nightly run creates every 清分库 row, account, admin and industry;
                world B: one raw INSERT … SELECT per table writes the same rows and columns (ids,
                flags, red limit, password state, industries_seq), with a targeted ANALYZE between hops
                on PostgreSQL, as the nightly run has;
  half changed  half the taxpayers get a new secondary industry; the nightly run on A replaces them in
                both hops; raw DELETE + INSERT … SELECT does the same on B.
The two sides run in alternating order (raw first, then nightly first, …), three repetitions each;
figures are medians. Two settings: the two worlds alone, and beside another world of the same size
already cleared (the tables then hold other worlds' rows the planner must not wander into).
Prints the figures, the peak memory, and last ``ratio=<nightly / raw, the worst median>`` (target ≤ 2).

    python bench/nightly_clearing.py [--taxpayers 100000] [--database-url URL] [--repeat 3]
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import and_, case, delete, func, literal, null, select, update  # noqa: E402

START = datetime.fromisoformat("2016-05-03T09:00:00+08:00")
NIGHT = datetime.fromisoformat("2016-05-04T02:00:00+08:00")
NEXT_NIGHT = datetime.fromisoformat("2016-05-05T02:00:00+08:00")


def open_db(url: str | None):
    from backoffice.db import make_engine, make_session_factory
    from backoffice.migrate import upgrade
    url = url or f"sqlite:///{tempfile.mkdtemp(prefix='bench-')}/bench.db"
    upgrade(url)
    engine = make_engine(url)
    return url, engine, make_session_factory(engine)


def new_world(session, name: str, n: int):
    """A world of N taxpayers with two industries each, straight into 金三 (as if worked a year)."""
    from backoffice.jinsan.models import Industry, Taxpayer, TaxpayerIndustry
    from backoffice.worldbuild import create_world
    from backoffice.worldbuild.rows import bulk_insert

    world = create_world(session, {"start": START.isoformat()}, name=name)
    w, seq = world.id, world.next_seq
    inds = list(session.scalars(select(Industry.id).where(Industry.world_id == w).order_by(Industry.id).limit(3)))
    rows = bulk_insert(session, Taxpayer, w, [
        {"ref": f"b{i}", "kind": "unit", "name": f"纳税人{i}", "tax_id": f"T{i:017d}",
         "registration_no": f"1150{i:016d}", "taxpayer_code": f"1150{i:016d}", "wangpiao_enabled": True,
         "enabled_at": START, "enabled_seq": seq + i, "industries_seq": seq + n + i,
         "former_ds_wangpiao": i % 10 == 0, "keeps_ds_login": True,
         "ds_account": f"DS{i:010d}" if i % 10 == 0 else None,
         "ds_password_hash": "pbkdf2:sha256:5000$x$y" if i % 10 == 0 else None,
         "ca": ("none", "pc", "device")[i % 3], "ygz": True, "dual": i % 7 == 0,
         "red_limit": 500 if i % 2 else None} for i in range(n)])
    bulk_insert(session, TaxpayerIndustry, w, [{"taxpayer_id": r["id"], "industry_id": inds[slot], "slot": slot}
                                              for r in rows for slot in (0, 1)])
    world.next_seq = seq + 2 * n
    session.commit()
    return world


def change_half(session, world, n: int) -> int:
    """Every second taxpayer gets another secondary industry; returns the clearing watermark before."""
    from backoffice.jinsan.models import Industry
    from backoffice.sync.tables import T, TI
    w, since = world.id, world.cleared_seq
    other = session.scalars(select(Industry.id).where(Industry.world_id == w).order_by(Industry.id)
                            .offset(2).limit(1)).one()
    base = world.next_seq
    half = (T.c.world_id == w) & (T.c.id % 2 == 0)
    session.execute(update(TI).where(TI.c.world_id == w, TI.c.slot == 1,
                                     TI.c.taxpayer_id.in_(select(T.c.id).where(half))).values(industry_id=other))
    session.execute(update(T).where(half).values(industries_seq=base + T.c.id))
    world.next_seq = base + n + 2
    session.commit()
    return since


def analyze(session, w: int, *tables) -> None:
    """The targeted ANALYZE a careful hand-written job does: the tables it reads whose statistics
    do not know this world's rows (the same check the nightly run makes once per hop)."""
    from backoffice.sync.tables import refresh_statistics
    refresh_statistics(session, w, *tables)


def raw_first_night(session, w: int) -> None:
    """The lower bound: the rows the nightly run writes, by bare INSERT … SELECT, one per table."""
    from backoffice.sync.tables import A, CI, CT, IND, INV, T, TI, WTI
    from backoffice.worlds.keys import insert_select
    at = literal(NIGHT)
    analyze(session, w, T, TI)
    insert_select(session, CT, w, [
        "world_id", "source_taxpayer_id", "ref", "name", "tax_id", "registration_no", "taxpayer_code",
        "former_ds_wangpiao", "keeps_ds_login", "ds_account", "ds_password_hash", "ca", "ygz", "dual",
        "industries_seq", "cleared_at"],
        select(T.c.world_id, T.c.id, T.c.ref, T.c.name, T.c.tax_id, T.c.registration_no, T.c.taxpayer_code,
               T.c.former_ds_wangpiao, T.c.keeps_ds_login, T.c.ds_account, T.c.ds_password_hash, T.c.ca, T.c.ygz,
               T.c.dual, T.c.industries_seq, at).where(T.c.world_id == w, T.c.wangpiao_enabled.is_(True)),
        order_by=T.c.id)
    insert_select(session, CI, w, ["world_id", "source_taxpayer_id", "industry_code", "slot", "seq"],
                  select(TI.c.world_id, TI.c.taxpayer_id, IND.c.code, TI.c.slot, T.c.industries_seq)
                  .select_from(TI.join(IND, and_(IND.c.world_id == w, IND.c.id == TI.c.industry_id))
                               .join(T, and_(T.c.world_id == w, T.c.id == TI.c.taxpayer_id)))
                  .where(TI.c.world_id == w), order_by=(TI.c.taxpayer_id, TI.c.slot))
    analyze(session, w, CT, CI)
    keeps = and_(CT.c.former_ds_wangpiao, CT.c.keeps_ds_login)
    insert_select(session, A, w, [
        "world_id", "source_taxpayer_id", "ref", "name", "tax_id", "registration_no", "taxpayer_code",
        "former_ds_wangpiao", "keeps_ds_login", "ds_account", "password_state", "password_hash", "ca",
        "ca_cancelled", "ygz", "dual", "red_limit", "ds_blank_invoices", "created_at", "created_by",
        "industries_seq"],
        select(CT.c.world_id, CT.c.source_taxpayer_id, CT.c.ref, CT.c.name, CT.c.tax_id, CT.c.registration_no,
               CT.c.taxpayer_code, CT.c.former_ds_wangpiao, CT.c.keeps_ds_login, CT.c.ds_account,
               case((keeps, literal("ds")), else_=literal("default")),
               case((keeps, CT.c.ds_password_hash), else_=null()),
               T.c.ca, T.c.ca_cancelled_at.is_not(None), T.c.ygz, T.c.dual, T.c.red_limit, literal(0), at,
               literal("raw"), case((CT.c.industries_seq > 0, CT.c.industries_seq), else_=null()))
        .select_from(CT.join(T, and_(T.c.world_id == w, T.c.id == CT.c.source_taxpayer_id)))
        .where(CT.c.world_id == w), order_by=CT.c.source_taxpayer_id)
    insert_select(session, INV, w, ["world_id", "account_id", "name", "is_admin"],
                  select(A.c.world_id, A.c.id, literal("系统管理员"), literal(True)).where(A.c.world_id == w),
                  order_by=A.c.id)
    insert_select(session, WTI, w, ["world_id", "account_id", "industry_code", "slot"],
                  select(A.c.world_id, A.c.id, CI.c.industry_code, CI.c.slot)
                  .select_from(CI.join(A, and_(A.c.world_id == w, A.c.source_taxpayer_id == CI.c.source_taxpayer_id)))
                  .where(CI.c.world_id == w), order_by=(A.c.id, CI.c.slot))
    session.commit()


def raw_changed(session, w: int, since: int) -> None:
    from backoffice.sync.tables import A, CI, CT, IND, T, TI, WTI
    from backoffice.worlds.keys import insert_select
    analyze(session, w, T, TI, CT, CI, A, WTI)
    changed = select(T.c.id).where(T.c.world_id == w, T.c.industries_seq > since)
    session.execute(delete(CI).where(CI.c.world_id == w, CI.c.source_taxpayer_id.in_(changed)))
    insert_select(session, CI, w, ["world_id", "source_taxpayer_id", "industry_code", "slot", "seq"],
                  select(TI.c.world_id, TI.c.taxpayer_id, IND.c.code, TI.c.slot, T.c.industries_seq)
                  .select_from(TI.join(IND, and_(IND.c.world_id == w, IND.c.id == TI.c.industry_id))
                               .join(T, and_(T.c.world_id == w, T.c.id == TI.c.taxpayer_id)))
                  .where(TI.c.world_id == w, T.c.industries_seq > since), order_by=(TI.c.taxpayer_id, TI.c.slot))
    seq = select(T.c.industries_seq).where(T.c.world_id == w, T.c.id == CT.c.source_taxpayer_id).scalar_subquery()
    session.execute(update(CT).where(CT.c.world_id == w, CT.c.source_taxpayer_id.in_(changed)).values(industries_seq=seq))
    analyze(session, w, CT, CI)
    accounts = select(A.c.id).where(A.c.world_id == w, A.c.source_taxpayer_id.in_(changed))
    session.execute(delete(WTI).where(WTI.c.world_id == w, WTI.c.account_id.in_(accounts)))
    insert_select(session, WTI, w, ["world_id", "account_id", "industry_code", "slot"],
                  select(A.c.world_id, A.c.id, CI.c.industry_code, CI.c.slot)
                  .select_from(CI.join(A, and_(A.c.world_id == w, A.c.source_taxpayer_id == CI.c.source_taxpayer_id)))
                  .where(CI.c.world_id == w, CI.c.source_taxpayer_id.in_(changed)), order_by=(A.c.id, CI.c.slot))
    aseq = select(CT.c.industries_seq).where(CT.c.world_id == w, CT.c.source_taxpayer_id == A.c.source_taxpayer_id)
    session.execute(update(A).where(A.c.world_id == w, A.c.source_taxpayer_id.in_(changed))
                    .values(industries_seq=aseq.scalar_subquery()))
    session.commit()


def timed(fn, *args, **kw) -> float:
    t0 = time.perf_counter()
    fn(*args, **kw)
    return time.perf_counter() - t0


def counts(session, w: int) -> dict:
    from backoffice.sync.tables import A, CI, CT, INV, WTI
    return {t.name: session.execute(select(func.count()).select_from(t).where(t.c.world_id == w)).scalar()
            for t in (CT, CI, A, INV, WTI)}


def one_repetition(session, n: int, raw_first: bool) -> tuple[float, float, float, float]:
    """(nightly first night, raw first night, nightly half changed, raw half changed) in seconds."""
    from backoffice.sync import nightly
    from backoffice.worlds.service import delete_world
    from jobs.schedules import batch_size
    wa, wb = new_world(session, "bench nightly", n), new_world(session, "bench raw", n)
    order = [("raw", wb), ("sync", wa)] if raw_first else [("sync", wa), ("raw", wb)]
    t = {}
    for kind, world in order:
        t[kind, 1] = (timed(raw_first_night, session, world.id) if kind == "raw" else
                      timed(nightly.run, session, world, NIGHT, batch=batch_size(), commit=True))
    assert counts(session, wa.id) == counts(session, wb.id), (counts(session, wa.id), counts(session, wb.id))
    since = {w.id: change_half(session, w, n) for w in (wa, wb)}
    for kind, world in order:
        t[kind, 2] = (timed(raw_changed, session, world.id, since[world.id]) if kind == "raw" else
                      timed(nightly.run, session, world, NEXT_NIGHT, batch=batch_size(), commit=True))
    assert counts(session, wa.id) == counts(session, wb.id)
    for world in (wa, wb):
        delete_world(session, world)
    session.commit()
    return t["sync", 1], t["raw", 1], t["sync", 2], t["raw", 2]


def setting(session, n: int, repeat: int, label: str) -> float:
    runs = [one_repetition(session, n, raw_first=i % 2 == 0) for i in range(repeat)]
    s1, r1, s2, r2 = (statistics.median(col) for col in zip(*runs))
    print(f"{label}: first night nightly {s1:.2f} s vs raw {r1:.2f} s ({s1 / r1:.2f}); "
          f"half changed nightly {s2:.2f} s vs raw {r2:.2f} s ({s2 / r2:.2f})")
    return max(s1 / r1, s2 / r2)


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--taxpayers", type=int, default=100_000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    from backoffice.sync import nightly
    from jobs.schedules import batch_size

    url, engine, factory = open_db(args.database_url)
    s = factory()
    n = args.taxpayers
    print(f"database: {engine.url.render_as_string(hide_password=True)}  taxpayers: {n}  batch: {batch_size()}"
          f"  medians of {args.repeat}, raw and nightly in alternating order")
    alone = setting(s, n, args.repeat, "alone")
    other = new_world(s, "already cleared", n)
    nightly.run(s, other, NIGHT, batch=batch_size(), commit=True)
    beside = setting(s, n, args.repeat, "beside a cleared world of the same size")
    print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB (max RSS)")
    ratio = max(alone, beside)
    print(f"ratio={ratio:.2f}")
    s.close()
    engine.dispose()
    return ratio


if __name__ == "__main__":
    main()
