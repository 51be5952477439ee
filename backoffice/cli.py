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
from flask.cli import FlaskGroup, with_appcontext

from .errors import OperationError


def _app_factory():
    from .app import create_app
    return create_app()


@click.group(cls=FlaskGroup, create_app=_app_factory, add_default_commands=False, add_version_option=False)
def main():
    """金三 / 网票 back-office simulator."""


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
              help="a YAML file holding a SCENARIOS.md world: block (or a whole scenario)")
@click.option("--owner", default=None, help="username of the owner")
@with_appcontext
def world_create(name, spec_file, owner):
    from sqlalchemy import select
    from .users.models import User
    from .worlds.service import create_world
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
        w = create_world(s, spec, name=name, owner_id=owner_id)
        s.commit()
    except OperationError as exc:
        fail(exc)
    click.echo(_world_row(w))


@world.command("list")
@with_appcontext
def world_list():
    from sqlalchemy import select
    from .worlds.models import World
    s = db_session()
    for w in s.scalars(select(World).where(World.is_template.is_(False)).order_by(World.id)):
        click.echo(_world_row(w))


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
    from .worlds.service import reset_world
    s = db_session()
    w = reset_world(s, _get(s, world_id))
    s.commit()
    click.echo(_world_row(w))


@world.command("fork")
@click.argument("world_id", type=int)
@click.option("--name", default=None)
@with_appcontext
def world_fork(world_id, name):
    from .worlds.service import fork_world
    s = db_session()
    w = fork_world(s, _get(s, world_id), name=name)
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
    for t, _p, name, _ in next_events(s, w)[:5]:
        click.echo(f"  next: {fmt(t)}  {name}")


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
    click.echo(f"{out['from']} → {out['to']}")
    for e in out["events"]:
        click.echo(f"  {e['time']}  {e['job']}: {e['items']}")


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


@main.command("op")
@click.argument("world_id", type=int)
@click.argument("actor")
@click.argument("operation")
@click.argument("pairs", nargs=-1)
@click.option("--session-token", "wp_token", default=None, help="a 网票 session token from a login")
@with_appcontext
def op_command(world_id, actor, operation, pairs, wp_token):
    """Run OPERATION in WORLD_ID as ACTOR with key=value arguments."""
    from .dispatch import execute
    s = db_session()
    try:
        result = execute(s, world_id, actor, operation, _parse_kv(pairs), wp_token=wp_token)
    except OperationError as exc:
        fail(exc)
    echo_json(result)


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

for _name in ("backoffice.sync.cli", "backoffice.scenarios.cli", "backoffice.api.cli"):
    try:
        _importlib.import_module(_name).register(main)
    except ModuleNotFoundError as _exc:
        if _exc.name is None or not (_name == _exc.name or _name.startswith(_exc.name + '.')):
            raise
