"""Creating, forking, resetting and deleting worlds.

The base data is loaded once into a template world; a new world is a set-based fork of it
(INSERT … SELECT per table). Every world-scoped table has a single integer key; a fork shifts
each table's keys by one offset (chosen past the table's current maximum) and shifts every
reference to that table — foreign keys and the ``refers_to`` soft references — by the same offset.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Table, delete, func, literal, select, text
from sqlalchemy.orm import Session

from ..audit.record import plain
from ..clock import wall_now
from ..db import Base, is_postgres
from ..errors import OperationError
from .models import World, WorldMember
from .quota import check_quota


def world_tables() -> list[Table]:
    from .. import models  # noqa: F401  (complete metadata)
    return [t for t in Base.metadata.sorted_tables if "world_id" in t.c]


def _refers_to(col) -> str | None:
    if col.info.get("refers_to"):
        return col.info["refers_to"]
    for fk in col.foreign_keys:
        target = fk.column.table
        if target.name != "worlds" and "world_id" in target.c:
            return target.name
    return None


def copy_world_rows(session: Session, src_id: int, dst_id: int) -> None:
    tables = world_tables()
    pg = is_postgres(session)
    if pg:
        session.execute(text("SELECT pg_advisory_xact_lock(7300101)"))
    offsets: dict[str, int] = {}
    for t in tables:
        lo = session.execute(select(func.min(t.c.id)).where(t.c.world_id == src_id)).scalar()
        if lo is None:
            offsets[t.name] = 0
            continue
        hi_all = session.execute(select(func.max(t.c.id))).scalar() or 0
        if pg:  # past whatever the sequence has handed out, too
            seq_name = session.execute(text(f"SELECT pg_get_serial_sequence('{t.name}', 'id')")).scalar()
            seq_val = session.execute(text(f"SELECT last_value FROM {seq_name}")).scalar() or 0
            hi_all = max(hi_all, seq_val)
        offsets[t.name] = hi_all + 1 - lo
    for t in tables:
        if not offsets[t.name]:
            continue
        names, exprs = [], []
        for c in t.c:
            names.append(c.name)
            if c.name == "world_id":
                exprs.append(literal(dst_id))
            elif c.name == "id":
                exprs.append(c + offsets[t.name])
            elif (ref := _refers_to(c)) is not None:
                exprs.append(c + offsets[ref])
            else:
                exprs.append(c)
        session.execute(t.insert().from_select(names, select(*exprs).where(t.c.world_id == src_id)))
    if pg:
        for t in tables:
            if offsets[t.name]:
                session.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), (SELECT max(id) FROM {t.name}))"))


def delete_world_rows(session: Session, world_id: int) -> None:
    for t in reversed(world_tables()):
        session.execute(delete(t).where(t.c.world_id == world_id))


def template_world(session: Session, base: str = "default") -> World:
    tpl = session.execute(select(World).where(World.key == f"template:{base}")).scalar_one_or_none()
    if tpl is None:
        from .setup import build_template
        tpl = build_template(session, base)
    return tpl


def create_world(session: Session, spec: dict | None = None, *, name: str | None = None,
                 owner_id: int | None = None) -> World:
    """A new world from the base data plus an optional SCENARIOS.md ``world:`` block."""
    check_quota(session, owner_id)
    from .setup import apply_spec, normalize_spec

    parsed = normalize_spec(spec)
    tpl = template_world(session, parsed.base)
    world = World(name=name or "world", owner_id=owner_id, clock_now=parsed.start, clock_start=parsed.start,
                  clock_mode="manual", live_speed=1.0, seed=parsed.seed, next_seq=tpl.next_seq,
                  cleared_seq=tpl.cleared_seq, spec=plain(spec or {}), created_wall=wall_now())
    session.add(world)
    session.flush()
    copy_world_rows(session, tpl.id, world.id)
    apply_spec(session, world, parsed)
    session.flush()
    return world


def fork_world(session: Session, src: World, *, name: str | None = None, owner_id: int | None = None) -> World:
    """A full copy: every row, the clock, the random seed and the change sequence."""
    check_quota(session, owner_id if owner_id is not None else src.owner_id)
    world = World(name=name or f"{src.name} (fork)", owner_id=owner_id if owner_id is not None else src.owner_id,
                  clock_now=src.clock_now, clock_start=src.clock_start, clock_mode="manual",
                  live_speed=src.live_speed, seed=src.seed, next_seq=src.next_seq, cleared_seq=src.cleared_seq,
                  spec=src.spec, created_wall=wall_now())
    session.add(world)
    session.flush()
    copy_world_rows(session, src.id, world.id)
    session.flush()
    return world


def fork_worlds(session: Session, src: World, targets: list[dict]) -> list[World]:
    """Many copies of one world at once: ``targets`` gives each copy's ``name`` and ``owner_id``
    (an exercise assigned to a class, an exploration's runs). Returns the new worlds in order."""
    return [fork_world(session, src, name=t.get("name"), owner_id=t.get("owner_id")) for t in targets]


def reset_world(session: Session, world: World) -> World:
    """Back to how it was made: its base data and world block at its start time."""
    from .setup import apply_spec, normalize_spec

    parsed = normalize_spec(world.spec)
    delete_world_rows(session, world.id)
    tpl = template_world(session, parsed.base)
    world.clock_now = world.clock_start = parsed.start
    world.clock_mode, world.live_anchor_wall = "manual", None
    world.next_seq, world.cleared_seq, world.seed = tpl.next_seq, tpl.cleared_seq, parsed.seed
    session.flush()
    copy_world_rows(session, tpl.id, world.id)
    apply_spec(session, world, parsed)
    session.flush()
    return world


def delete_world(session: Session, world: World) -> None:
    if world.is_template:
        raise OperationError("FORBIDDEN", field="world", reason="the template world cannot be deleted")
    delete_world_rows(session, world.id)
    session.execute(delete(WorldMember).where(WorldMember.world_id == world.id))
    session.delete(world)
    session.flush()


def get_world(session: Session, world_id: int, *, lock: bool = False) -> World:
    if not isinstance(world_id, int) or not 0 < world_id < 2**31:   # beyond the key's range: no such world
        raise OperationError("NOT_FOUND", field="world", reason=f"no world {world_id}",
                             reason_zh=f"没有编号为 {world_id} 的世界")
    stmt = select(World).where(World.id == world_id, World.is_template.is_(False))
    if lock:
        stmt = stmt.with_for_update()
    world = session.execute(stmt).scalar_one_or_none()
    if world is None:
        raise OperationError("NOT_FOUND", field="world", reason=f"no world {world_id}",
                             reason_zh=f"没有编号为 {world_id} 的世界")
    return world


def next_seq(world: World) -> int:
    seq = world.next_seq
    world.next_seq = seq + 1
    return seq


def visible_worlds_query(user):
    """SELECT of the worlds ``user`` may see (unordered, unlimited: callers page it)."""
    stmt = select(World).where(World.is_template.is_(False))
    if not user.is_instructor:
        member = select(WorldMember.world_id).where(WorldMember.user_id == user.id)
        stmt = stmt.where((World.owner_id == user.id) | World.id.in_(member))
    return stmt


def visible_worlds(session: Session, user) -> list[World]:
    return list(session.scalars(visible_worlds_query(user).order_by(World.id)))


def can_see(session: Session, user, world: World) -> bool:
    if user.is_instructor or world.owner_id == user.id:
        return True
    return session.execute(select(WorldMember.id).where(WorldMember.world_id == world.id,
                                                          WorldMember.user_id == user.id)).first() is not None


def add_member(session: Session, world: World, user_id: int) -> None:
    if not session.execute(select(WorldMember.id).where(WorldMember.world_id == world.id,
                                                          WorldMember.user_id == user_id)).first():
        session.add(WorldMember(world_id=world.id, user_id=user_id))
        session.flush()


def set_clock_mode(session: Session, world: World, mode: str, speed: float | None = None,
                   at_wall: datetime | None = None) -> World:
    """Switch between manual (frozen) and live (offset + speed × wall time)."""
    from ..clock import world_now

    if mode not in ("manual", "live"):
        raise OperationError("INVALID_INPUT", field="mode", reason="manual or live")
    if speed is not None and not (0 < float(speed) <= 10000):
        raise OperationError("INVALID_INPUT", field="speed", reason="a speed factor between 0 and 10000")
    now_wall = at_wall or wall_now()
    if world.clock_mode == "live":
        # catch up to the live "now" first, through the one advance, then freeze or re-anchor
        from ..clock import advance
        advance(session, world, world_now(world, now_wall), commit=False)
    world.clock_mode = mode
    if speed is not None:
        world.live_speed = float(speed)
    world.live_anchor_wall = now_wall if mode == "live" else None
    world.live_anchor_sim = world.clock_now if mode == "live" else None
    session.flush()
    return world
