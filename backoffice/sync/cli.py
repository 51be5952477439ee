"""``backoffice scheduler``, ``backoffice pipeline WORLD TAXPAYER``, ``backoffice jobs WORLD``."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext


def register(main: click.Group) -> None:
    from ..cli import db_session, echo_json, fail
    from ..errors import OperationError

    @main.command("scheduler")
    @click.option("--no-wait", is_flag=True, help="exit (status 1) if another scheduler holds the lease, "
                                                  "instead of standing by to take over")
    @with_appcontext
    def scheduler(no_wait):
        """Run the live scheduler in the foreground until SIGTERM or Ctrl-C (which release its lease).
        While another process holds the lease it stands by and takes over within the lease's TTL."""
        from .scheduler import lease_holder, run_foreground
        app = current_app._get_current_object()
        if not run_foreground(app, echo=click.echo, wait=not no_wait):
            held = lease_holder(app.extensions["backoffice.sessions"])
            who = f"{held.holder} until {held.expires_wall.isoformat(timespec='seconds')}" if held else "another process"
            click.echo(f"another scheduler holds the lease ({who}); not starting", err=True)
            sys.exit(1)

    @main.command("pipeline")
    @click.argument("world_id", type=int)
    @click.argument("taxpayer")
    @click.option("--json", "as_json", is_flag=True, help="print the whole view as JSON")
    @with_appcontext
    def pipeline_command(world_id, taxpayer, as_json):
        """What 金三, the 清分库 and 网票 hold for TAXPAYER, and what is on its way, and when."""
        from ..worlds.service import get_world
        from .pipeline import pipeline
        s = db_session()
        try:
            view = pipeline(s, get_world(s, world_id), taxpayer)
        except OperationError as exc:
            fail(exc)
        if as_json:
            echo_json(view)
            return
        _print_pipeline(view)

    @main.command("jobs")
    @click.argument("world_id", type=int)
    @click.option("--limit", default=50, show_default=True)
    @with_appcontext
    def jobs_command(world_id, limit):
        """The sync job runs of WORLD_ID that moved something, newest first, and what fires next."""
        from ..clock import fmt, next_events
        from ..worlds.service import get_world
        from .pipeline import job_runs
        s = db_session()
        try:
            w = get_world(s, world_id)
        except OperationError as exc:
            fail(exc)
        click.echo(f"world {w.id} at {fmt(w.clock_now)}")
        for t, _p, name, _ in next_events(s, w)[:5]:
            click.echo(f"  next: {fmt(t)}  {name}")
        runs = job_runs(s, w, limit)
        if not runs:
            click.echo("  no job run has moved anything yet")
        for r in runs:
            click.echo(f"  {r['scheduled_for']}  {r['job']:<22} {r['items']:>7} item(s)")


def _print_pipeline(view: dict) -> None:
    js, cl, wp = view["jinsan"], view["clearing"], view["wangpiao"]
    click.echo(f"{view['taxpayer']} at {view['now']}")
    click.echo(f"金三:   enabled {js['enabled']}" + (f" at {js['enabled_at']}" if js["enabled_at"] else "")
               + f"; red limit {js['red_limit']}; industries "
               + (", ".join(i["code"] for i in js["industries"]) or "none"))
    for s in js["sales"]:
        click.echo(f"        sale {s['range']} sold {s['sold_at']} {s['status']}"
                   + ("" if s["enabled_at_sale"] else " (before enablement)")
                   + ("" if s["wangpiao_code"] else " (paper: never in 网票)"))
    for r in js["returns"]:
        click.echo(f"        return {r['range']} at {r['returned_at']}")
    click.echo(f"清分库: taxpayer {'yes' if cl['taxpayer'] else 'no'}; industries "
               + (", ".join(i["code"] for i in cl["industries"]) or "none"))
    acc = wp["account"]
    click.echo("网票:   " + ("no account" if acc is None else
                            f"account since {acc['created_at']} ({acc['created_by']}), password {acc['password_state']}")
               + f"; red limit {wp['red_limit']}; industries " + (", ".join(i["code"] for i in wp["industries"]) or "none"))
    for p in wp["purchases"]:
        click.echo(f"        purchase {p['range']} delivered {p['delivered_at']} by {p['channel']}")
    if not view["pending"]:
        click.echo("pending: nothing")
    for item in view["pending"]:
        click.echo(f"pending: {item['what']} — {item['channel'] or '-'} — {item['arrives']}")
