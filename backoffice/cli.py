"""The command line: ``backoffice up``, ``db``, ``user``, ``token``, ``world``, ``clock``, ``op`` …

Each command is a thin door: parse, call the service or the operation catalogue, print.
"""
from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from .cli_format import did_you_mean, human, table
from .errors import OperationError


def _app_factory():
    from .app import create_app
    return create_app()


class Group(click.Group):
    """A plain click group that answers a mistyped command with the closest one."""

    def resolve_command(self, ctx, args):
        name = args[0] if args else None
        if name is not None and self.get_command(ctx, name) is None and not name.startswith("-"):
            ctx.fail(f"No such command {name!r}.{did_you_mean(name, self.list_commands(ctx))}")
        return super().resolve_command(ctx, args)


Group.group_class = Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx):
    """金三 / 网票 back-office simulator.

    Settings come from instance/backoffice.cfg and BACKOFFICE_* environment variables
    (BACKOFFICE_DATABASE_URL, BACKOFFICE_INSTANCE_PATH, …); see README.md and docs/.
    """
    # Commands that need the application build it themselves (with_appcontext): the test runner
    # hands in its own app through the same ScriptInfo.
    if not isinstance(ctx.obj, ScriptInfo):
        ctx.obj = ScriptInfo(create_app=_app_factory, set_debug_flag=False)


def db_session():
    """The app context's session: closed when the command's app context ends (an open SQLite
    transaction would hold the write lock). Refuses, in one sentence, a database never migrated."""
    from sqlalchemy import inspect
    from .web.db import get_session
    if not inspect(current_app.extensions["backoffice.engine"]).has_table("worlds"):
        click.echo("数据库尚未初始化：请先运行 backoffice db upgrade（或 backoffice up）。", err=True)
        click.echo("The database has no schema yet: run `backoffice db upgrade` (or `backoffice up`) first.", err=True)
        sys.exit(2)
    return get_session()


def fail(exc: OperationError):
    click.echo(f"错误 {exc.code}: {exc.message_zh}", err=True)
    click.echo(f"error {exc.code}: {exc.message_en}" + (f" [field: {exc.field}]" if exc.field else ""), err=True)
    sys.exit(1)


def echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


# --- database ------------------------------------------------------------------------------------

@main.group()
def db():
    """Database schema."""


@db.command("upgrade")
@with_appcontext
def db_upgrade():
    """Apply every Alembic migration."""
    from .migrate import upgrade
    upgrade(current_app.config["DATABASE_URL"])
    click.echo("database at head")


# --- users and tokens ----------------------------------------------------------------------------

@main.group()
def user():
    """Simulator users (instructors, trainees, QA)."""


@user.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(["instructor", "trainee", "qa"]), default="trainee")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", default="")
@with_appcontext
def user_create(username, role, password, name):
    from .users.service import create_user
    s = db_session()
    try:
        create_user(s, username, password, role, name)
        s.commit()
    except OperationError as exc:
        fail(exc)
    click.echo(f"user {username} ({role}) created")


@user.command("list")
@with_appcontext
def user_list():
    """Every user: name, role, whether it may log in."""
    from .users.service import list_users
    for u in list_users(db_session()):
        click.echo(f"{u.username:<24} {u.role:<10} {'active' if u.active else 'disabled'}")


@user.command("disable")
@click.argument("username")
@with_appcontext
def user_disable(username):
    """USERNAME can no longer log in; its browser sessions end and its API tokens stop working."""
    _set_active(username, False)


@user.command("enable")
@click.argument("username")
@with_appcontext
def user_enable(username):
    """USERNAME may log in again (its tokens, unless revoked or expired, work again)."""
    _set_active(username, True)


def _set_active(username: str, active: bool) -> None:
    from .users.service import set_active, user_by_name
    s = db_session()
    try:
        set_active(s, user_by_name(s, username), active)
        s.commit()
    except OperationError as exc:
        fail(exc)
    click.echo(f"user {username} {'enabled' if active else 'disabled'}")


@user.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def user_password(username, password):
    """Set USERNAME's password; every browser session of the user ends."""
    from .users.service import change_password, user_by_name
    s = db_session()
    try:
        change_password(s, user_by_name(s, username), password)
        s.commit()
    except OperationError as exc:
        fail(exc)
    click.echo(f"password of {username} changed; its sessions ended")


@main.group()
def token():
    """API bearer tokens."""


@token.command("create")
@click.argument("username")
@click.option("--name", default="cli")
@click.option("--expires", default=None, metavar="DURATION",
              help="the token stops working after this long (e.g. 30d, 12h); default: never")
@with_appcontext
def token_create(username, name, expires):
    """Print a new bearer token for USERNAME (stored hashed; shown once)."""
    from .users.service import create_token, user_by_name
    s = db_session()
    try:
        lifetime = _token_lifetime(expires) if expires else None
        tok = create_token(s, user_by_name(s, username), name, expires_in=lifetime)
    except OperationError as exc:
        fail(exc)
    s.commit()
    click.echo(tok)


def _token_lifetime(text: str):
    from datetime import timedelta
    from .clock import _DURATION
    m = _DURATION.match(text.strip())
    if not m or not any(m.groups()):
        raise OperationError("INVALID_INPUT", field="expires", reason=f"{text!r} is not a duration like 30d or 12h",
                             reason_zh=f"“{text}”不是时长（如 30d、12h）")
    d, h, mi, sec = (int(x or 0) for x in m.groups())
    if d > 36600:
        raise OperationError("INVALID_INPUT", field="expires", reason="at most 36600 days", reason_zh="最多 36600 天")
    return timedelta(days=d, hours=h, minutes=mi, seconds=sec)


@token.command("list")
@click.option("--user", "username", default=None, help="only this user's tokens")
@with_appcontext
def token_list(username):
    """Every token: id, user, name, created, expiry and state (never the token itself)."""
    from .clock import fmt
    from .users.service import list_tokens, token_state, user_by_name
    s = db_session()
    try:
        owner = user_by_name(s, username) if username else None
    except OperationError as exc:
        fail(exc)
    for t, u in list_tokens(s, owner):
        click.echo(f"{t.id:>5}  {u.username:<20} {t.name:<16} {fmt(t.created_wall) or '-':<25} "
                   f"{fmt(t.expires_wall) or 'never':<25} {token_state(t)}")


@token.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@with_appcontext
def token_revoke(token_id):
    """Revoke token TOKEN_ID (see token list): it stops working at once."""
    from .users.service import revoke_token
    s = db_session()
    try:
        revoke_token(s, token_id)
        s.commit()
    except OperationError as exc:
        fail(exc)
    click.echo(f"token {token_id} revoked")


# --- worlds --------------------------------------------------------------------------------------

@main.group()
def world():
    """Worlds: isolated copies of 金三, 清分库 and 网票 with their own clock."""


def _world_row(w) -> str:
    from .clock import fmt
    return f"{w.id:>5}  {w.name:<30} {fmt(w.clock_now)}  {w.clock_mode}"


@world.command("create")
@click.option("--name", default="world")
@click.option("--from-file", "spec_file", type=click.Path(exists=True, dir_okay=False),
              help="a YAML file holding a docs/scenarios.md world: block (or a whole scenario)")
@click.option("--owner", default=None, help="username of the owner")
@with_appcontext
def world_create(name, spec_file, owner):
    from sqlalchemy import select
    from .users.models import User
    from .worldbuild import create_world
    from .yamlsafe import UntrustedYamlError, load_untrusted
    spec = None
    if spec_file:
        try:
            data = load_untrusted(Path(spec_file).read_bytes())
        except UntrustedYamlError as exc:
            fail(OperationError("INVALID_INPUT", field="from-file", reason=str(exc), reason_zh=exc.reason_zh))
        spec = data.get("world", data) if isinstance(data, dict) else data
    s = db_session()
    owner_id = None
    if owner:
        u = s.execute(select(User).where(User.username == owner)).scalar_one_or_none()
        if u is None:
            fail(OperationError("NOT_FOUND", field="owner", reason=f"no user {owner}"))
        owner_id = u.id
    try:
        w = create_world(s, spec, name=name, owner_id=owner_id, commit=True)
        s.commit()
    except OperationError as exc:
        fail(exc)
    click.echo(_world_row(w))


@world.command("list")
@with_appcontext
def world_list():
    """Every world: id, name, owner, simulated time and clock mode."""
    from sqlalchemy import select
    from .clock import fmt
    from .users.models import User
    from .worlds.models import World
    s = db_session()
    owners = dict(s.execute(select(User.id, User.username)).all())
    stmt = select(World).where(World.is_template.is_(False)).order_by(World.id)
    rows = [(w.id, w.name, w.key, owners.get(w.owner_id), fmt(w.clock_now), w.clock_mode) for w in s.scalars(stmt)]
    if not rows:
        click.echo("no worlds yet: backoffice world create (or backoffice up for the demo world)")
        return
    click.echo(table(["id", "name", "key", "owner", "simulated time", "clock"], rows, right=[0]))


def _get(s, world_id):
    from .worlds.service import get_world
    try:
        return get_world(s, world_id)
    except OperationError as exc:
        fail(exc)


@world.command("reset")
@click.argument("world_id", type=int)
@with_appcontext
def world_reset(world_id):
    from .training.guard import check_world
    from .worldbuild import reset_world
    s = db_session()
    w = _get(s, world_id)
    try:
        check_world(s, w, "reset")   # an exercise attempt's world is never reset
    except OperationError as exc:
        fail(exc)
    w = reset_world(s, w)
    s.commit()
    click.echo(_world_row(w))


@world.command("fork")
@click.argument("world_id", type=int)
@click.option("--name", default=None)
@with_appcontext
def world_fork(world_id, name):
    from .training.guard import check_world
    from .worlds.service import fork_world
    s = db_session()
    src = _get(s, world_id)
    try:
        check_world(s, src, "fork")   # an exam attempt's world is not forked
    except OperationError as exc:
        fail(exc)
    w = fork_world(s, src, name=name)
    s.commit()
    click.echo(_world_row(w))


@world.command("delete")
@click.argument("world_id", type=int)
@with_appcontext
def world_delete(world_id):
    from .worlds.service import delete_world
    s = db_session()
    delete_world(s, _get(s, world_id))
    s.commit()
    click.echo(f"world {world_id} deleted")


# --- clock ---------------------------------------------------------------------------------------

@main.group()
def clock():
    """A world's simulated clock."""


@clock.command("show")
@click.argument("world_id", type=int)
@with_appcontext
def clock_show(world_id):
    from .clock import fmt, next_events
    s = db_session()
    w = _get(s, world_id)
    click.echo(f"world {w.id}: {fmt(w.clock_now)} ({w.clock_mode}{', ×%g' % w.live_speed if w.clock_mode == 'live' else ''})")
    upcoming = [(fmt(t), name) for t, _p, name, _ in next_events(s, w)[:5]]
    if upcoming:
        click.echo(table(["next", "job"], upcoming))


@clock.command("advance")
@click.argument("world_id", type=int)
@click.argument("duration", required=False)
@click.option("--until", default=None, help="an ISO 8601 time with offset")
@with_appcontext
def clock_advance(world_id, duration, until):
    """Advance WORLD_ID by DURATION (20m, 2h30m, 1d) or --until a time."""
    from .dispatch import advance_clock
    s = db_session()
    try:
        out = advance_clock(s, world_id, by=duration, until=until, actor="cli")
    except OperationError as exc:
        fail(exc)
    click.echo(f"{out['from']} → {out['to']}: {len(out['events'])} event(s)")
    if out["events"]:
        click.echo(table(["time", "job", "items"], [(e["time"], e["job"], e["items"]) for e in out["events"]],
                         right=[2]))


# --- operations ----------------------------------------------------------------------------------

def _parse_kv(pairs: tuple[str, ...]) -> dict:
    """key=value pairs; a value in JSON syntax ([..], {..}, true, false, null) is parsed as JSON."""
    args: dict = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r} is not key=value")
        if value[:1] in "[{" or value in ("true", "false", "null"):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                pass
        args[key] = value
    return args


def op_arguments(op) -> str:
    """An operation's arguments as one line: ``taxpayer code start end [secondary…]``; an
    optional one in brackets, its choices after ``=``."""
    schema = op.args_model.model_json_schema()
    required = set(schema.get("required", []))
    out = []
    for name, prop in schema.get("properties", {}).items():
        options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
        enum = next((p.get("enum") or ([p["const"]] if "const" in p else None) for p in options
                     if "enum" in p or "const" in p), None)
        kind = next((p.get("type") for p in options if p.get("type")), None)
        text = name + ("=" + "|".join(str(v) for v in enum) if enum else "=[…]" if kind == "array" else "")
        out.append(text if name in required else f"[{text}]")
    return " ".join(out) or "—"


class _OpCommand(click.Command):
    """``op``'s help ends with the operations it knows (the catalogue, not a hand-kept list)."""

    def format_epilog(self, ctx, formatter):
        from . import catalogue
        ops = catalogue.load_all()
        with formatter.section("Operations (backoffice op --list shows their arguments and roles)"):
            formatter.write_dl([(name, f"{op.label_zh} · {op.label_en}") for name, op in sorted(ops.items())])


@main.command("op", cls=_OpCommand)
@click.argument("world_id", type=int, required=False)
@click.argument("actor", required=False)
@click.argument("operation", required=False)
@click.argument("pairs", nargs=-1)
@click.option("--list", "show_list", is_flag=True, help="list every operation with its arguments and roles")
@click.option("--session-token", "wp_token", default=None, help="a 网票 session token from a login")
@with_appcontext
def op_command(world_id, actor, operation, pairs, wp_token, show_list):
    """Run OPERATION in WORLD_ID as ACTOR with key=value arguments, e.g.

    backoffice op 3 zhang_wei sell_invoices taxpayer=acme code=150001320410 start=00000001 end=00000100

    A value in JSON syntax ([..], {..}, true, false, null) is read as JSON. The result is printed
    as JSON; a refusal prints its code, the Chinese and English message and the field, and exits 1.
    """
    from . import catalogue
    ops = catalogue.load_all()
    if show_list:
        rows = [(name, op.label_zh, op.label_en, op_arguments(op), _roles(op)) for name, op in sorted(ops.items())]
        click.echo(table(["operation", "名称", "label", "arguments", "who"], rows))
        return
    if operation is None:
        raise click.UsageError("give WORLD_ID ACTOR OPERATION [key=value …], or --list")
    if operation not in ops:
        raise click.UsageError(f"unknown operation {operation!r}.{did_you_mean(operation, ops)}"
                               " (backoffice op --list shows them all)")
    if world_id is None or actor is None:
        raise click.UsageError("give WORLD_ID ACTOR OPERATION [key=value …]")
    from .dispatch import execute
    s = db_session()
    try:
        result = execute(s, world_id, actor, operation, _parse_kv(pairs), wp_token=wp_token)
    except OperationError as exc:
        fail(exc)
    echo_json(result)


def _roles(op) -> str:
    if op.side == "jinsan":
        return ", ".join(sorted(op.roles)) or "—"
    return "taxpayer (PC)" if op.side == "pc" else "taxpayer (logged in)" if op.needs_login else "taxpayer"


# --- docs --------------------------------------------------------------------------------------

@main.group()
def docs():
    """The generated reference pages of docs/ (operations, failure codes)."""


@docs.command("build")
def docs_build():
    """Write docs/operations.md and docs/failures.md from the catalogue and seed_data/failures.yaml."""
    from .docs_build import PAGES, build
    written = build()
    click.echo(f"{len(written)} of {len(PAGES)} pages rewritten" + (": " + ", ".join(p.name for p in written) if written else ""))


@docs.command("check")
def docs_check():
    """Exit 1 when a generated page is stale (run backoffice docs build)."""
    from .docs_build import stale
    old = stale()
    if old:
        click.echo(f"stale: {', '.join(old)} — run backoffice docs build", err=True)
        sys.exit(1)
    click.echo("docs are current")


# --- up ------------------------------------------------------------------------------------------

@main.command("up")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--no-scheduler", is_flag=True, help="do not run the live scheduler in this process")
@with_appcontext
def up(host, port, no_scheduler):
    """Migrate, load the base data and a demo world, and serve with the scheduler running."""
    from .bootstrap import ensure_demo
    from .migrate import upgrade
    upgrade(current_app.config["DATABASE_URL"])
    s = db_session()
    logins = ensure_demo(s, Path(current_app.config["INSTANCE_PATH"]))
    s.commit()
    click.echo("演示账号 / demo logins (also in instance/demo_logins.txt):")
    for line in logins:
        click.echo(f"  {line}")
    if not no_scheduler:
        try:
            from .sync.scheduler import start_background_scheduler
        except ModuleNotFoundError:
            click.echo("(live scheduler not available)")
        else:
            if start_background_scheduler(current_app._get_current_object()):
                click.echo("live scheduler running")
            else:
                click.echo("another scheduler holds the lease; this process serves pages only")
    click.echo(f"serving http://{host}:{port}")
    # Flask refuses app.run() inside its own CLI; serve with werkzeug directly (no reloader: a
    # reloader child would start a second scheduler).
    from werkzeug.serving import run_simple
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)


# --- commands contributed by the domain packages ------------------------------------------------
# Each module defines register(main) and adds its own group or commands.
import importlib as _importlib  # noqa: E402

for _name in ("backoffice.sync.cli", "backoffice.scenarios.cli", "backoffice.api.cli", "backoffice.explore.cli",
              "backoffice.training.cli"):
    try:
        _importlib.import_module(_name).register(main)
    except ModuleNotFoundError as _exc:
        if _exc.name is None or not (_name == _exc.name or _name.startswith(_exc.name + '.')):
            raise
