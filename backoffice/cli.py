"""The command line: ``backoffice up``, ``db``, ``user``, ``token``, ``world``, ``clock``, ``op`` …

Each command is a thin door: parse, call the service or the operation catalogue, print.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext

from .cli_format import did_you_mean, table
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

for _name in ("backoffice.cli_users", "backoffice.cli_worlds", "backoffice.sync.cli", "backoffice.scenarios.cli",
              "backoffice.api.cli", "backoffice.explore.cli", "backoffice.training.cli"):
    try:
        _importlib.import_module(_name).register(main)
    except ModuleNotFoundError as _exc:
        if _exc.name is None or not (_name == _exc.name or _name.startswith(_exc.name + '.')):
            raise
