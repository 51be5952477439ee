"""Alembic environment: the metadata is every model of backoffice."""
from alembic import context

from backoffice import models  # noqa: F401
from backoffice.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite changes a table by copying it and dropping the original; with foreign keys enforced,
        # dropping `worlds` would cascade to every row of every world. So they are off while the
        # migrations run (the pragma works only outside a transaction) and checked afterwards.
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=sqlite, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        raw = connection.connection.dbapi_connection
        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
        raw.execute("PRAGMA foreign_keys=ON")
        if broken:
            raise RuntimeError(f"the migrations left rows pointing at missing rows: {broken[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
