"""Database plumbing: declarative base, column types, engine and world-scoped sessions.

Amounts are ``Decimal`` yuan stored as integer fen; times are timezone-aware in Python and stored
as naive UTC (SQLite drops offsets). Every domain row carries ``world_id``; a session opened for a
world filters every ORM query by it (SQLAlchemy's ``with_loader_criteria`` multi-tenancy recipe).
Set-based Core statements filter by world explicitly.
"""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal, ROUND_HALF_UP

from sqlalchemy import (BigInteger, DateTime, ForeignKey, Integer, MetaData, create_engine, event,
                        types)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (DeclarativeBase, Mapped, Session, declared_attr, mapped_column,
                            sessionmaker, with_loader_criteria)

from .config import normalize_database_url

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
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
    """Mixin for every domain table: the row belongs to one world."""

    @declared_attr
    def world_id(cls) -> Mapped[int]:
        return mapped_column(Integer, ForeignKey("worlds.id", ondelete="CASCADE"), index=True)


def make_engine(url: str, **kw) -> Engine:
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kw)
        _sqlite_setup(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kw)
    return engine


def _sqlite_setup(engine: Engine) -> None:
    # pysqlite's own transaction handling is bypassed (SQLAlchemy's documented workaround) so that
    # every transaction starts with BEGIN IMMEDIATE: concurrent writers queue on the busy timeout
    # instead of failing with "database is locked" half way through.
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
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    return factory


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


def is_postgres(session_or_engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"
