"""Forking, deleting and finding worlds, membership, and the clock mode.

A world's rows are keyed ``(world_id, id)`` with ids numbered per world (:mod:`.keys`), so a fork is
one ``INSERT … SELECT`` per table that copies the source's rows unchanged but for ``world_id``: it
costs the rows it copies, takes no lock but its source's rows, and never collides with work going
on in other worlds. Many copies of one world are made by the same statements
(:func:`fork_worlds`). Tables keyed globally (the audit, job runs) take new keys for the copies.

Building a world from base data and a ``world:`` block is a service above the domains:
:mod:`backoffice.worldbuild`.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Table, delete, select
from sqlalchemy.orm import Session

from ..clock import wall_now
from ..db import Base, WorldScoped
from ..errors import OperationError
from .models import World, WorldMember
from .quota import check_quota

# Membership says who may see a world; a copy starts with its new owner alone.
NOT_COPIED = frozenset({"world_members"})


def world_tables() -> list[Table]:
    """Every table holding rows of a world, parents before children."""
    from ..catalogue import load_all

    load_all()   # the domains' models are all in the metadata once the domains have registered
    return [t for t in Base.metadata.sorted_tables if "world_id" in t.c and t.name != "worlds"]


def _copied_tables() -> list[Table]:
    return [t for t in world_tables() if t.name not in NOT_COPIED]


def _keyed_per_world(table: Table) -> bool:
    return [c.name for c in table.primary_key.columns] == ["world_id", "id"] or "id" not in table.c


def copy_world_rows(session: Session, src_id: int, dst_ids: list[int]) -> None:
    """Copy every row of world ``src_id`` into each world of ``dst_ids``: one statement per table."""
    if not dst_ids:
        return
    targets = select(World.id.label("dst")).where(World.id.in_(dst_ids)).subquery()
    for t in _copied_tables():
        per_world = _keyed_per_world(t)
        names = [c.name for c in t.c if per_world or c.name != "id"]
        exprs = [targets.c.dst if n == "world_id" else t.c[n] for n in names]
        rows = select(*exprs).select_from(t).join(targets, targets.c.dst.is_not(None)).where(t.c.world_id == src_id)
        if not per_world:   # new keys, numbered in the source's order
            rows = rows.order_by(targets.c.dst, t.c.id)
        session.execute(t.insert().from_select(names, rows))


def delete_world_rows(session: Session, world_id: int) -> None:
    for t in reversed(world_tables()):
        if t.name not in NOT_COPIED:
            session.execute(delete(t).where(t.c.world_id == world_id))


def new_world_like(src: World, *, name: str, owner_id: int | None) -> World:
    """A world row that continues ``src``: its clock, random seed and change sequence (manual mode)."""
    return World(name=name, owner_id=owner_id, clock_now=src.clock_now, clock_start=src.clock_start,
                 clock_mode="manual", live_speed=src.live_speed, seed=src.seed, next_seq=src.next_seq,
                 cleared_seq=src.cleared_seq, spec=src.spec, created_wall=wall_now())


def fork_worlds(session: Session, src: World, targets: list[dict]) -> list[World]:
    """Many copies of one world at once: ``targets`` gives each copy's ``name`` and ``owner_id``
    (an exercise assigned to a class, an exploration's runs). Returns the new worlds in order.

    A copy holds every row of its source, its clock, random seed and change sequence; it starts in
    manual mode, with its owner as its only member.
    """
    if src.building:
        raise OperationError("NOT_FOUND", field="world", reason=f"no world {src.id}",
                             reason_zh=f"没有世界 {src.id}")
    session.flush()
    worlds = []
    for t in targets:
        owner = t.get("owner_id")
        worlds.append(new_world_like(src, name=t.get("name") or f"{src.name} (fork)",
                                     owner_id=owner if owner is not None else src.owner_id))
    for owner, adding in Counter(w.owner_id for w in worlds).items():
        check_quota(session, owner, adding)
    session.add_all(worlds)
    session.flush()
    copy_world_rows(session, src.id, [w.id for w in worlds])
    return worlds


def fork_world(session: Session, src: World, *, name: str | None = None, owner_id: int | None = None) -> World:
    """A full copy of ``src`` (see :func:`fork_worlds`)."""
    return fork_worlds(session, src, [{"name": name, "owner_id": owner_id}])[0]


def delete_world(session: Session, world: World) -> None:
    if world.is_template:
        raise OperationError("FORBIDDEN", field="world", reason="the template world cannot be deleted",
                             reason_zh="模板世界不能删除")
    delete_world_rows(session, world.id)
    session.execute(delete(WorldMember).where(WorldMember.world_id == world.id))
    session.delete(world)
    session.flush()


def no_such_world(world_id) -> OperationError:
    """The one answer for a world that does not exist, or that the user may not see: the same words,
    so that world ids cannot be probed."""
    return OperationError("NOT_FOUND", field="world", reason=f"no world {world_id}",
                          reason_zh=f"没有编号为 {world_id} 的世界")


def get_world(session: Session, world_id: int, *, lock: bool = False) -> World:
    """A world users can act in (not a template, not half built); with ``lock`` its row is held
    until the transaction ends, which serialises the work done in one world."""
    if not isinstance(world_id, int) or not 0 < world_id < 2**63:   # beyond the key's range: no such world
        raise no_such_world(world_id)
    stmt = select(World).where(World.id == world_id, World.is_template.is_(False), World.building.is_(False))
    if lock:
        stmt = stmt.with_for_update()
    world = session.execute(stmt).scalar_one_or_none()
    if world is None:
        raise no_such_world(world_id)
    return world


def next_seq(world: World) -> int:
    seq = world.next_seq
    world.next_seq = seq + 1
    return seq


def touch(world: World) -> None:
    """Something changed in ``world``: what is due next must be worked out again (live tick)."""
    world.next_due = world.next_due_wall = None


def visible_worlds_query(user):
    """SELECT of the worlds ``user`` may see (unordered, unlimited: callers page it)."""
    stmt = select(World).where(World.is_template.is_(False), World.building.is_(False))
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
        raise OperationError("INVALID_INPUT", field="mode", reason="manual or live", reason_zh="manual 或 live")
    if speed is not None and not (0 < float(speed) <= 10000):
        raise OperationError("INVALID_INPUT", field="speed", reason="a speed factor between 0 and 10000",
                             reason_zh="速度倍数须在 0 到 10000 之间")
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
    touch(world)
    session.flush()
    return world


__all__ = ["WorldScoped", "add_member", "can_see", "copy_world_rows", "delete_world", "delete_world_rows",
           "fork_world", "fork_worlds", "get_world", "next_seq", "set_clock_mode", "touch", "visible_worlds",
           "world_tables"]
