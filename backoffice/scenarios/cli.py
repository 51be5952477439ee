"""``backoffice scenario run|check|record`` and ``backoffice diagnose`` (registered by backoffice.cli)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask.cli import with_appcontext


def _session():
    from ..cli import db_session
    return db_session()


def scenario_dir() -> Path:
    from ..config import default_seed_path
    return default_seed_path() / "scenarios"


def _print_step(row: dict) -> None:
    mark = "✓" if row["ok"] else "✗"
    click.echo(f"  {mark} {row['n']:>3}  {row['time']}  {row['actor']:<16} {row['op']:<22} {row['outcome']}")


def _run_one(s, sc) -> bool:
    from .loader import ScenarioError
    from .runner import describe_failure, run_scenario
    click.echo(f"{sc.path}: {sc.name}" + (f" (FAQ {sc.faq})" if sc.faq else ""))
    try:
        res = run_scenario(s, sc, on_step=_print_step)
    except ScenarioError as exc:
        click.echo(f"invalid scenario: {exc}", err=True)
        return False
    if res["ok"]:
        click.echo(f"  passed: {len(res['steps'])} steps in world {res['world_id']}")
        return True
    click.echo(f"  FAILED {sc.path}: {describe_failure(res)}", err=True)
    return False


def _load_all(files) -> list:
    """Every file validated before any runs: one bad file stops the whole run."""
    from .loader import ScenarioError, load_file
    loaded, bad = [], []
    for f in files:
        try:
            loaded.append(load_file(f))
        except ScenarioError as exc:
            bad.append(str(exc))
    if bad:
        for line in bad:
            click.echo(f"invalid scenario: {line}", err=True)
        click.echo("nothing was run", err=True)
        sys.exit(2)
    return loaded


def register(main: click.Group) -> None:
    @main.group("scenario")
    def scenario():
        """Scenario files (SCENARIOS.md): run, check all, record a world."""

    @scenario.command("run")
    @click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
    @with_appcontext
    def run_cmd(files):
        """Run scenario FILES, each in a fresh world, printing every step."""
        loaded = _load_all(files)
        s = _session()
        try:
            failed = [sc.path for sc in loaded if not _run_one(s, sc)]
        finally:
            s.close()
        if failed:
            sys.exit(1)

    @scenario.command("check")
    @click.option("--dir", "folder", type=click.Path(file_okay=False), default=None,
                  help="the folder of scenario files (default seed_data/scenarios)")
    @with_appcontext
    def check_cmd(folder):
        """Run every scenario file and print one row per scenario."""
        from .loader import ScenarioError, load_file
        from .runner import describe_failure, run_scenario
        root = Path(folder) if folder else scenario_dir()
        files = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
        if not files:
            click.echo(f"no scenario files in {root}", err=True)
            sys.exit(1)
        rows, failures = [], []
        s = _session()
        try:
            for f in files:
                started = time.perf_counter()
                try:
                    sc = load_file(f)
                    res = run_scenario(s, sc)
                    ok, steps = res["ok"], f"{len(res['steps'])}/{res['total_steps']}"
                    name, faq = sc.name, sc.faq or "—"
                    if not ok:
                        failures.append(f"{f.name}: {describe_failure(res)}")
                except ScenarioError as exc:
                    ok, steps, name, faq = False, "—", f.name, "—"
                    failures.append(f"{f.name}: invalid: {exc}")
                rows.append((f.name, name, faq, steps, "pass" if ok else "FAIL", time.perf_counter() - started))
        finally:
            s.close()
        w = max(len(r[0]) for r in rows)
        click.echo(f"{'file':<{w}}  {'FAQ':<5} {'steps':>7}  {'result':<6} {'seconds':>7}  scenario")
        for fname, name, faq, steps, result, secs in rows:
            click.echo(f"{fname:<{w}}  {faq:<5} {steps:>7}  {result:<6} {secs:7.2f}  {name}")
        passed = sum(1 for r in rows if r[4] == "pass")
        click.echo(f"{passed} of {len(rows)} scenarios passed")
        for line in failures:
            click.echo(f"  {line}", err=True)
        if failures:
            sys.exit(1)

    @scenario.command("record")
    @click.argument("world_id", type=int)
    @click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="write to this file")
    @with_appcontext
    def record_cmd(world_id, output):
        """Print (or write) WORLD_ID's history as a scenario that replays it."""
        from ..errors import OperationError
        from ..worlds.service import get_world
        from .record import record
        s = _session()
        try:
            text = record(s, get_world(s, world_id))
        except OperationError as exc:
            click.echo(f"error {exc.code}: {exc.message_en}", err=True)
            sys.exit(1)
        finally:
            s.close()
        if output:
            Path(output).write_text(text, encoding="utf-8")
            click.echo(f"world {world_id} recorded to {output}")
        else:
            click.echo(text, nl=False)

    @main.command("diagnose")
    @click.argument("world_id", type=int)
    @click.argument("taxpayer")
    @click.option("--as", "actor", default=None, help="the officer who asks (default: the taxpayer's specialist)")
    @click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
    @with_appcontext
    def diagnose_cmd(world_id, taxpayer, actor, lang):
        """Which FAQ entry applies to TAXPAYER in WORLD_ID, why, and the FAQ's steps."""
        from ..dispatch import execute
        from ..errors import OperationError
        s = _session()
        try:
            res = execute(s, world_id, actor or _default_officer(s, world_id, taxpayer), "diagnose",
                          {"taxpayer": taxpayer})
        except OperationError as exc:
            click.echo(f"error {exc.code}: {exc.message_zh if lang == 'zh' else exc.message_en}", err=True)
            sys.exit(1)
        finally:
            s.close()
        if not res["problems"]:
            click.echo(f"{taxpayer}: no problem found at {res['at']}")
            return
        for i, p in enumerate(res["problems"], 1):
            click.echo(f"{i}. FAQ {p['faq']}  {p['code']}  {p['message_zh'] if lang == 'zh' else p['message_en']}")
            click.echo(f"   原因: {p['cause_zh']}" if lang == "zh" else f"   cause: {p['cause']}")
            for ev in p["evidence"]:
                click.echo(f"   · {ev}")
            if p["pending"]:
                click.echo(f"   pending until {p['pending']}")
            for n, step in enumerate(p["steps"] if lang == "zh" else p["steps_en"], 1):
                click.echo(f"   {n}) {step}")


def _default_officer(session, world_id: int, ref: str) -> str:
    from sqlalchemy import select
    from ..jinsan.models import Officer, Taxpayer
    tp = session.execute(select(Taxpayer).where(Taxpayer.world_id == world_id, Taxpayer.ref == ref)).scalar_one_or_none()
    if tp is not None and tp.specialist_id is not None:
        off = session.get(Officer, (tp.world_id, tp.specialist_id))
        if off is not None:
            return off.login
    first = session.execute(select(Officer.login).where(Officer.world_id == world_id)
                            .order_by(Officer.id).limit(1)).scalar_one_or_none()
    return first or "nobody"
