"""Benchmark: every page of a world of 5,000 taxpayers within 3× its time at 10.

Two worlds, built quickly: the same scenario world block (officers, a taxpayer ``acme`` with sales,
a login, an invoice) plus N taxpayers written straight into 金三 with set-based inserts — each with
industries, a sale of its own and a PC, and, after one nightly clearing, its 网票 account. Then
each page is fetched through the app (as a logged-in instructor playing the specialist) a few
times in both worlds; the best time of each is kept. Prints one row per page (ms at 10, ms at N,
kB of HTML at N, ratio) and last ``ratio=<the worst page's>`` (target ≤ 3).

    python bench/pages.py [--taxpayers 5000] [--database-url URL] [--repeat 5]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from nightly_clearing import NIGHT, START, open_db  # noqa: E402

SPEC = {
    "start": START.isoformat(),
    "officers": [{"login": "h_zhang", "name": "张明", "role": "specialist", "office": "15001030000"}],
    "taxpayers": [{"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
                   "registration_no": "11509999999999999991", "specialist": "h_zhang", "enabled": True,
                   "red_limit": "1000.00", "industries": {"main": "7240"},
                   "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000100"}]}],
}
PAGES = ["/console/", "/console/?q=acme", "/console/?page=3", "/console/taxpayers/acme", "/console/ops/sell_invoices",
         "/console/ops/set_red_limit", "/console/catalogue", "/console/catalogue?q=餐饮服务",
         "/portal/", "/portal/purchases", "/portal/invoicers", "/portal/invoices", "/portal/pc",
         "/control", "/control/taxpayers/acme", "/control/timeline", "/control/audit", "/control/cards/",
         "/lookup/taxpayers?q=纳税人1", "/lookup/machines?q=b1"]
OUTSIDE = ["/control", "/control/class"]


def more_taxpayers(session, world, n: int) -> None:
    """N taxpayers with two industries, a sale each from the office stock, a PC each, and their
    网票 accounts and purchases from one nightly clearing."""
    from backoffice.clock import load_jobs
    from backoffice.jinsan.models import Industry, Sale, Taxpayer, TaxpayerIndustry
    from backoffice.sync import nightly
    from backoffice.wangpiao.models import PcMachine
    from backoffice.worldbuild.rows import bulk_insert
    from jobs.schedules import batch_size
    if n <= 0:
        return
    w = world.id
    seq = world.next_seq
    bulk_insert(session, Taxpayer, w, [
        {"ref": f"b{i}", "kind": "unit", "name": f"纳税人{i}", "tax_id": f"T{i:017d}",
         "registration_no": f"1150{i:016d}", "taxpayer_code": f"1150{i:016d}", "wangpiao_enabled": True,
         "enabled_at": START, "enabled_seq": seq + i, "industries_seq": seq + n + i} for i in range(n)])
    seq += 2 * n
    inds = list(session.scalars(select(Industry.id).where(Industry.world_id == w).order_by(Industry.id).limit(2)))
    ids = list(session.execute(select(Taxpayer.id, Taxpayer.ref).where(Taxpayer.world_id == w,
                                                                        Taxpayer.ref.startswith("b"))))
    bulk_insert(session, TaxpayerIndustry, w, [
        {"taxpayer_id": tid, "industry_id": inds[slot], "slot": slot} for tid, _ in ids for slot in (0, 1)])
    bulk_insert(session, Sale, w, [
        {"taxpayer_id": tid, "officer_id": None, "code": "150001320410",
         "start_no": 1000 + 10 * i, "end_no": 1009 + 10 * i, "sold_at": START, "seq": seq + i,
         "enabled_at_sale": True, "status": "active"} for i, (tid, _ref) in enumerate(ids)])
    bulk_insert(session, PcMachine, w, [{"taxpayer_ref": ref, "ds_ca_cache": False, "ca_cache_stuck": False}
                                        for _tid, ref in ids])
    world.next_seq = seq + len(ids)
    session.commit()
    load_jobs()
    nightly.run(session, world, NIGHT, batch=batch_size(), commit=True)


def build(app, factory, n: int, user):
    from backoffice.dispatch import execute
    from backoffice.worldbuild import create_world
    s = factory()
    w = create_world(s, SPEC, name=f"bench pages {n}", owner_id=user.id)
    s.commit()
    more_taxpayers(s, w, n - 1)
    execute(s, w.id, "h_zhang", "sell_invoices", {"taxpayer": "acme", "code": "150001320410",
                                                  "start": "00090001", "end": "00090100"})
    execute(s, w.id, "h_zhang", "set_red_limit", {"taxpayer": "acme", "amount": "500.00"})
    world_id = w.id
    s.close()
    return world_id


def client_for(app, user_name: str, password: str, world_id: int):
    import re
    c = app.test_client()
    page = c.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    c.post("/login", data={"username": user_name, "password": password, "csrf_token": token})
    page = c.get(f"/worlds/{world_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    c.post(f"/worlds/{world_id}/play", data={"officer": "h_zhang", "csrf_token": token})
    page = c.get(f"/worlds/{world_id}/portal/").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    c.post(f"/worlds/{world_id}/portal/login", data={
        "csrf_token": token, "taxpayer": "acme", "account": "11509999999999999991", "password": "999991",
        "client": "guoshui", "__present_with_ca": "1", "__present_accept_upgrade": "1", "accept_upgrade": "true"})
    return c


def best(client, url: str, repeat: int) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        resp = client.get(url)
        times.append(time.perf_counter() - t0)
        assert resp.status_code == 200, (url, resp.status_code)
        size = len(resp.data)
    return min(times), size


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--taxpayers", type=int, default=5_000)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    import tempfile
    from backoffice.app import create_app
    from backoffice.users.service import create_user
    url, engine, factory = open_db(args.database_url)
    app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-pages-"),
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": True})
    s = factory()
    user = create_user(s, f"bench_{int(time.time() * 1000) % 10**9}", "bench-password-1", "instructor")
    s.commit()
    name = user.username
    s.close()
    small, big = build(app, factory, 10, user), build(app, factory, args.taxpayers, user)
    print(f"database: {engine.url.render_as_string(hide_password=True)}  taxpayers: 10 vs {args.taxpayers}")
    clients = {n: client_for(app, name, "bench-password-1", wid) for n, wid in ((10, small), (args.taxpayers, big))}
    rows, worst = [], 0.0
    for page in PAGES + OUTSIDE:
        prefix = {n: ("" if page in OUTSIDE else f"/worlds/{wid}") for n, wid in ((10, small), (args.taxpayers, big))}
        t_small, _ = best(clients[10], prefix[10] + page, args.repeat)
        t_big, size = best(clients[args.taxpayers], prefix[args.taxpayers] + page, args.repeat)
        ratio = t_big / t_small
        worst = max(worst, ratio)
        rows.append((page, t_small * 1000, t_big * 1000, size / 1024, ratio))
    width = max(len(r[0]) for r in rows)
    print(f"{'page':<{width}}  {'ms@10':>7}  {'ms@N':>7}  {'kB@N':>6}  {'ratio':>5}")
    for page, a, b, kb, r in rows:
        print(f"{page:<{width}}  {a:7.1f}  {b:7.1f}  {kb:6.1f}  {r:5.2f}")
    print(f"ratio={worst:.2f}")
    engine.dispose()
    return worst


if __name__ == "__main__":
    main()
