"""Benchmark: a classroom — assigning 20 exercises to 60 trainees, and the class board of 60 × 20.

Assigning builds one prepared world per exercise (its world block, then its setup) and forks it
once per trainee (``fork_worlds``, one call per exercise). The board page reads the summary kept at
submission; to time it full, every attempt of the big class is marked submitted with a score, time
and hints (set directly: grading 1,200 attempts is not what is measured here).

Prints the absolute times and each as a ratio to 1 trainee × 1 exercise; the last line is
``ratio=<board 60×20 ÷ board 1×1>``. Targets: assignment under a minute on PostgreSQL, the board in a
few hundred milliseconds.

    python bench/classroom.py [--database-url URL] [--trainees 60] [--exercises 20] [--repeat 5]

A PostgreSQL URL names a server and a database to start from: the benchmark works in a database of
its own beside it, made and dropped here.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402


def _admin(url: str, sql: str) -> None:
    from backoffice.db import make_engine
    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def private_database(url: str | None) -> tuple[str, callable]:
    """(URL of a fresh database, a function dropping it)."""
    from backoffice.config import normalize_database_url
    if not url:
        return f"sqlite:///{tempfile.mkdtemp(prefix='bench-classroom-')}/bench.db", lambda: None
    if not url.startswith("postgres"):
        return url, lambda: None
    base = make_url(normalize_database_url(url))
    name = f"{base.database}_classroom_{os.getpid()}"
    _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(url, f'CREATE DATABASE "{name}"')
    return (base.set(database=name).render_as_string(hide_password=False),
            lambda: _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main(argv=None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--trainees", type=int, default=60)
    ap.add_argument("--exercises", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)

    url, drop = private_database(args.database_url)
    try:
        return run(url, args)
    finally:
        drop()


def run(url: str, args) -> float:
    from backoffice import catalogue
    from backoffice.app import create_app
    from backoffice.migrate import upgrade
    from backoffice.training import classes
    from backoffice.training.exercise import load_library
    from backoffice.training.models import Assignment, Attempt
    from backoffice.users.service import create_user

    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": tempfile.mkdtemp(),
                      "TESTING": True})
    catalogue.load_all()
    library, bad = load_library()
    assert not bad, bad
    library.sort(key=lambda e: e.id)
    if len(library) < args.exercises + 1:
        raise SystemExit(f"the library holds {len(library)} exercises; {args.exercises + 1} are needed")
    factory = app.extensions["backoffice.sessions"]
    s = factory()
    teacher = create_user(s, "bench_teacher", "bench-password", "instructor")
    people = [create_user(s, f"bench_t{i:03d}", "bench-password", "trainee", f"学员{i:03d}")
              for i in range(args.trainees)]
    s.commit()
    print(f"database: {make_url(url).render_as_string(hide_password=True)}")

    def assign(name: str, trainees, exercises) -> tuple[float, int]:
        cls = classes.create_class(s, name, teacher, [u.username for u in trainees])
        s.commit()
        t0 = time.perf_counter()
        classes.assign(s, cls, [e.id for e in exercises], mode="exam", by=teacher)
        s.commit()
        return time.perf_counter() - t0, cls.id

    # each case cold: its exercises' prepared worlds are built as part of the assignment
    small, small_id = assign("1×1", people[:1], library[:1])
    big, big_id = assign(f"{args.trainees}×{args.exercises}", people, library[1:args.exercises + 1])
    made = s.query(Attempt).join(Assignment, Assignment.id == Attempt.assignment_id) \
        .filter(Assignment.class_id == big_id).count()
    assert made == args.trainees * args.exercises, made
    print(f"assign 1 trainee × 1 exercise: {small:.2f} s")
    print(f"assign {args.trainees} trainees × {args.exercises} exercises: {big:.2f} s "
          f"({made} attempt worlds; ratio {big / small:.1f})")

    # every attempt submitted, with varied scores, times and hints (what the board reads)
    for class_id in (small_id, big_id):
        rows = s.query(Attempt.id).join(Assignment, Assignment.id == Attempt.assignment_id) \
            .filter(Assignment.class_id == class_id).order_by(Attempt.id).all()
        for (i, (aid,)) in enumerate(rows):
            score = (37 * i) % 101
            s.execute(update(Attempt).where(Attempt.id == aid).values(
                status="submitted", score=score, passed=score >= 60, time_used_s=600 + 60 * (i % 50),
                hints_used=i % 3, missed=[2] if score < 60 else [], forbidden_done=[1] if i % 4 == 0 else []))
    teacher_id = teacher.id
    s.commit()
    s.close()

    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(teacher_id)
        sess["_fresh"] = True

    def board_ms(class_id: int) -> float:
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            resp = client.get(f"/training/classes/{class_id}")
            times.append(time.perf_counter() - t0)
            assert resp.status_code == 200, resp.status_code
        return statistics.median(times) * 1000

    board_ms(small_id)   # warm the templates and the exercise cache
    b_small, b_big = board_ms(small_id), board_ms(big_id)
    size = len(client.get(f"/training/classes/{big_id}").get_data())
    print(f"board 1 × 1: {b_small:.1f} ms")
    print(f"board {args.trainees} × {args.exercises}: {b_big:.1f} ms ({size / 1024:.0f} KiB of HTML)")
    ratio = b_big / b_small
    print(f"assignment ratio={big / small:.2f}")
    print(f"ratio={ratio:.2f}")
    app.extensions["backoffice.engine"].dispose()
    return ratio


if __name__ == "__main__":
    main()
