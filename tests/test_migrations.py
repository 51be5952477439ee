"""Alembic: one head, and the migrated schema equals the models (on SQLite and PostgreSQL)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from backoffice import models
from backoffice.migrate import alembic_config


def test_single_head(database_url):
    script = ScriptDirectory.from_config(alembic_config(database_url))
    assert len(script.get_heads()) == 1


def test_models_match_migrations(app):
    engine = app.extensions["backoffice.engine"]
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, models.Base.metadata)
    assert diff == []


def test_worlds_table_leaves_room_for_the_live_tick(app):
    """On PostgreSQL the live tick's per-second updates of worlds stay in place (HOT) only if pages
    have free room; migration 0004 sets it."""
    engine = app.extensions["backoffice.engine"]
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        options = conn.exec_driver_sql(
            "SELECT reloptions FROM pg_class WHERE relname = 'worlds' AND relkind = 'r'"
        ).scalar_one()
    assert "fillfactor=50" in (options or [])
