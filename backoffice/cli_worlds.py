"""``backoffice world …`` and ``backoffice clock …``: worlds and their simulated clocks."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from .cli import Group, db_session, fail
from .cli_format import table
from .errors import OperationError


@click.group(cls=Group)
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


@click.group(cls=Group)
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


def register(main: click.Group) -> None:
    main.add_command(world)
    main.add_command(clock)
