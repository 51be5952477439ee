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
    @click.option("--lang", type=click.Choice(["en", "zh"]), default="en", help="language of the deliveries")
    @with_appcontext
    def pipeline_command(world_id, taxpayer, as_json, lang):
        """What 金三, the 清分库 and 网票 hold for TAXPAYER, what is on its way, and every delivery of
        every channel with its made / due / delivered times."""
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
        _print_pipeline(view, lang)
        _print_faults(s, get_world(s, world_id))

    @main.command("jobs")
    @click.argument("world_id", type=int)
    @click.option("--limit", default=50, show_default=True)
    @with_appcontext
    def jobs_command(world_id, limit):
        """The sync job runs of WORLD_ID that moved something, newest first, and what fires next."""
        from ..clock import fmt, next_events
        from ..worlds.service import get_world
        from .pipeline import job_runs, manual_pushes, work_items
        s = db_session()
        try:
            w = get_world(s, world_id)
        except OperationError as exc:
            fail(exc)
        from ..cli_format import table
        click.echo(f"world {w.id} at {fmt(w.clock_now)}")
        upcoming = [(fmt(t), name) for t, _p, name, _ in next_events(s, w)[:5]]
        if upcoming:
            click.echo(table(["next", "job"], upcoming))
        _print_faults(s, w)
        runs = job_runs(s, w, limit)
        click.echo("")
        if not runs:
            click.echo("no job run has moved anything yet")
        else:
            # a failed run, or one held back by an injected fault (sync/faults.py), says why
            click.echo(table(["ran for", "job", "items", "status"], [
                (r["scheduled_for"], r["job"], r["items"],
                 "ok" if r.get("status", "ok") == "ok" else f"{r['status'].upper()}: {r.get('reason') or ''}") for r in runs],
                right=[2]))
        work = work_items(s, w, limit)
        if work:
            click.echo("")
            click.echo(table(["due work (ops)", "due at", "taxpayer", "requested", "state"], [
                (item["kind"], item["due_at"], item["taxpayer"] or "-", item["created_at"],
                 f"done {item['done_at']}" if item["done_at"] else "waiting") for item in work]))
        pushes = manual_pushes(s, w, limit)
        if pushes:
            click.echo("")
            click.echo(table(["同步信息 (sync_info, manual)", "taxpayer", "by", "delivered", "waiting"], [
                (p["at"], p["taxpayer"], p["actor"], p["delivered"], p["waiting"]) for p in pushes], right=[3, 4]))


def _codes(industries) -> str:
    return ", ".join(i["code"] for i in industries) or "none"


def _print_pipeline(view: dict, lang: str = "en") -> None:
    """The view as a reader wants it: yes/no and "not set" rather than True and None."""
    from ..cli_format import human, table
    js, cl, wp = view["jinsan"], view["clearing"], view["wangpiao"]
    click.echo(f"{view['taxpayer']} at {view['now']}")
    enabled = ("yes, since " + js["enabled_at"]) if js["enabled"] and js.get("enabled_at") else human(js["enabled"])
    red = js["red_limit"] if js["red_limit"] is not None else "not set"
    click.echo(f"金三    网票 enabled: {enabled}; red limit: {red}; industries: {_codes(js['industries'])}")
    click.echo(f"清分库  taxpayer: {human(bool(cl['taxpayer']))}; industries: {_codes(cl['industries'])}")
    acc = wp["account"]
    account = ("none yet" if acc is None else
               f"since {acc['created_at']} ({acc['created_by']}), password {acc['password_state']}")
    wp_red = wp["red_limit"] if wp["red_limit"] is not None else "not set"
    click.echo(f"网票    account: {account}; red limit: {wp_red}; industries: {_codes(wp['industries'])}")
    if js["sales"]:
        click.echo("")
        click.echo(table(["sale (金三)", "sold at", "status", "enabled when sold", "reaches 网票"], [
            (s["range"], s["sold_at"], s["status"], s["enabled_at_sale"],
             "yes" if s["wangpiao_code"] else "no: paper invoice") for s in js["sales"]]))
    if js["returns"]:
        click.echo("")
        click.echo(table(["return (金三)", "returned at"], [(r["range"], r["returned_at"]) for r in js["returns"]]))
    if wp["purchases"]:
        click.echo("")
        click.echo(table(["purchase (网票)", "delivered at", "by"],
                         [(p["range"], p["delivered_at"], p["channel"]) for p in wp["purchases"]]))
    click.echo("")
    if not view["pending"]:
        click.echo("pending: nothing")
    else:
        click.echo(table(["pending", "channel", "arrives"],
                         [(i["what"], i["channel"], i["arrives"]) for i in view["pending"]]))
    deliveries = view.get("deliveries", [])
    if deliveries:
        click.echo("")
        click.echo(table(["channel", "status", "from → to", "made → due → delivered", "what"], [
            (d["channel"] or "-", d["status"], f"{d['from']} → {d['to']}",
             " → ".join(_hm(d[k]) for k in ("made", "due", "delivered")),
             (d["what_zh"] if lang == "zh" else d["what"])
             + (f" ({d['note_zh'] if lang == 'zh' else d['note']})" if d.get("note") else "")) for d in deliveries]))


def _hm(iso: str | None) -> str:
    """"05-03 09:05" from an ISO time (the date part keeps a multi-day view readable)."""
    return "—" if not iso else f"{iso[5:10]} {iso[11:16]}"


def _print_faults(session, world) -> None:
    from .faults import active_faults, describe
    for f in map(describe, active_faults(session, world.id, world.clock_now)):
        click.echo(f"fault:  {f['channel']} {f['kind']}" + (f" by {f['by']}" if f.get("by") else "")
                   + f" since {f['starts_at']}" + (f" until {f['ends_at']}" if f["ends_at"] else " until cleared"))
