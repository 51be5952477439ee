"""Database plumbing: declarative base, column types, per-world keys, engine and sessions.

Amounts are ``Decimal`` yuan stored as integer fen; times are timezone-aware in Python and stored
as naive UTC (SQLite drops offsets).

Every domain row belongs to one world and is keyed ``(world_id, id)``, its ``id`` numbered within
that world (:mod:`backoffice.worlds.keys` hands them out); references between domain rows are
composite foreign keys ``(world_id, x_id)``, so the database itself forbids a row from pointing into
another world, and a copy of a world is its rows unchanged but for ``world_id`` — what a fork costs
is the rows it copies, never the span of anybody's ids. A session opened for a world filters every
ORM query by it (SQLAlchemy's ``with_loader_criteria`` multi-tenancy recipe); set-based Core
statements filter by world explicitly.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal, ROUND_HALF_UP

from sqlalchemy import (BigInteger, DateTime, ForeignKey, ForeignKeyConstraint, Index, Integer, MetaData,
                        create_engine, event, types)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (DeclarativeBase, Mapped, Session, declared_attr, mapped_column,
                            sessionmaker, with_loader_criteria)

from .config import normalize_database_url

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    # every column of the key: a table may refer twice to one table (requested_by, decided_by)
    "fk": "fk_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}


# The key type of tables that are not per world (users, tokens, audit, job runs): 64-bit, and on
# SQLite the plain INTEGER that makes the column the rowid (SQLite numbers only that one itself).
BigId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Money(types.TypeDecorator):
    """Decimal yuan in Python, integer fen in the database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(value) / 100).quantize(Decimal("0.01"))


class UTCDateTime(types.TypeDecorator):
    """Aware datetimes in Python, naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):  # SQLite aggregates (min/max) come back as text
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=timezone.utc)


class WorldScoped:
    """Mixin for every domain table: the row belongs to one world and is keyed ``(world_id, id)``.

    A model declares ``id: Mapped[int] = mapped_column(Integer, primary_key=True)``; the ids of new
    rows are numbered per world when the session flushes (:mod:`backoffice.worlds.keys`).
    """

    @declared_attr
    def world_id(cls) -> Mapped[int]:
        return mapped_column(BigId, ForeignKey("worlds.id", ondelete="CASCADE"), primary_key=True, sort_order=-10)


def world_fk(column: str, target: str, *, ondelete: str | None = None) -> ForeignKeyConstraint:
    """A reference to another row of the same world: ``(world_id, column)`` → ``target (world_id, id)``."""
    return ForeignKeyConstraint(["world_id", column], [f"{target}.world_id", f"{target}.id"], ondelete=ondelete)


def world_index(table: str, *columns: str, unique: bool = False) -> Index:
    """An index that serves one world's lookups: ``world_id`` first, then ``columns``."""
    return Index(f"ix_{table}_{'_'.join(columns)}", "world_id", *columns, unique=unique)


def make_engine(url: str, **kw) -> Engine:
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kw)
        _sqlite_setup(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kw)
    return engine


# Execution option naming how a transaction starts on SQLite: "write" (the default) begins with
# BEGIN IMMEDIATE, taking the write lock at once, so concurrent writers queue on the busy timeout
# instead of failing half way with "database is locked"; "read" begins deferred and never takes it,
# so under WAL a page or a report reads while a writer works. Ignored by PostgreSQL.
SQLITE_BEGIN = "backoffice_sqlite_begin"


def _sqlite_setup(engine: Engine) -> None:
    # pysqlite's own transaction handling is bypassed (SQLAlchemy's documented workaround) so that
    # this module decides how each transaction begins.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        read = conn.get_execution_options().get(SQLITE_BEGIN) == "read"
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``read_only`` ones never take SQLite's write lock (see SQLITE_BEGIN)."""
    from .worlds import keys  # noqa: F401  (numbers the ids of new rows at every flush)

    bind = engine.execution_options(**{SQLITE_BEGIN: "read"}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


@event.listens_for(Session, "do_orm_execute")
def _scope_to_world(state):
    world_id = state.session.info.get("world_id")
    if world_id is None or not state.is_select or state.execution_options.get("all_worlds"):
        return
    state.statement = state.statement.options(
        with_loader_criteria(WorldScoped, lambda cls: cls.world_id == world_id, include_aliases=True)
    )


def world_session(factory: sessionmaker[Session], world_id: int) -> Session:
    """A session that sees one world only."""
    session = factory()
    session.info["world_id"] = world_id
    return session


@contextmanager
def scoped_to_world(session: Session, world_id: int):
    """While inside, every ORM query of ``session`` sees only rows of ``world_id`` (a second guard
    behind the explicit filters: ids repeat from world to world)."""
    previous = session.info.get("world_id")
    session.info["world_id"] = world_id
    try:
        yield session
    finally:
        if previous is None:
            session.info.pop("world_id", None)
        else:
            session.info["world_id"] = previous


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"
